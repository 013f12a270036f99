#!/usr/bin/env bash
# Installs the system programs the product needs, when they are missing:
# libmagic (content types), Tesseract with English and Russian data (OCR) and
# the language packs of the countries our cases come from (Turkish, Ukrainian,
# Hindi, Bengali, Urdu, Arabic, ...: a case's locales choose among them, see
# README "Dates in every language"; TESSERACT_PACKS="kor tha" adds more),
# ffmpeg (video), poppler-utils (PDF pages), DejaVu fonts (test and demo
# pictures with Cyrillic text), Chromium (page captures, browser tests),
# openssl (checks trusted timestamps; the tests run a timestamp authority with it).
# python3-venv (the virtual environment). Debian 12 (bookworm) with apt; other systems install these themselves.
set -euo pipefail

packs=(eng rus tur ukr hin ben urd ara fas deu fra spa por ita pol ind vie kaz uzb ${TESSERACT_PACKS:-})
packages=(python3-venv libmagic1 tesseract-ocr "${packs[@]/#/tesseract-ocr-}" ffmpeg poppler-utils fonts-dejavu-core chromium openssl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "apt-get not found: install ${missing[*]} with your system's package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
