// Progress without reloading, and keyframes that seek the recording.
// The pages work without this file; it only adds liveness.
(function () {
  "use strict";

  const root = document.querySelector("[data-progress-url]");
  if (root) {
    const url = root.dataset.progressUrl;
    const reloadWhenDone = root.dataset.reloadWhenDone === "1";

    const pending = () =>
      Array.from(document.querySelectorAll("[data-evidence-id][data-final='0']"));

    const show = (row, item) => {
      const badge = row.querySelector(".status");
      if (!badge) return;
      const counting = item.status === "processing" || item.status === "queued";
      badge.textContent = counting ? `${item.label} ${item.stages_finished}/${item.stages}` : item.label;
      badge.className = `status status-${item.status}`;
      badge.title = item.reason || "";
    };

    const poll = async () => {
      const rows = pending();
      if (!rows.length) return;
      const query = rows.map((row) => `id=${encodeURIComponent(row.dataset.evidenceId)}`).join("&");
      try {
        const response = await fetch(`${url}?${query}`, { credentials: "same-origin" });
        if (response.ok) {
          const data = await response.json();
          for (const item of data.items) {
            const row = document.querySelector(`[data-evidence-id='${item.id}']`);
            if (!row) continue;
            show(row, item);
            if (item.status === "done" || item.status === "failed") {
              row.dataset.final = "1";
              if (reloadWhenDone) window.location.reload();
            }
          }
        }
      } catch (error) {
        // The server may be restarting; try again on the next round.
      }
      window.setTimeout(poll, 2000);
    };
    window.setTimeout(poll, 1000);
  }

  const video = document.querySelector("video[data-original]");
  document.querySelectorAll("[data-seek]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (!video) return;
      event.preventDefault();
      video.currentTime = parseFloat(link.dataset.seek);
      video.play();
      video.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
})();

// Drawing a cue's region on a frame: drag over the picture to fill in x, y, width, height.
(function () {
  "use strict";
  const select = document.querySelector("select[data-region-picker]");
  const box = document.querySelector("input[name='box']");
  const picker = document.querySelector(".region-picker");
  if (!select || !box || !picker) return;
  const image = picker.querySelector("img");
  const region = picker.querySelector(".region");
  let start = null;

  const scale = () => {
    const option = select.selectedOptions[0];
    return Number(option.dataset.width) / image.clientWidth;
  };
  const point = (event) => {
    const rect = image.getBoundingClientRect();
    return [Math.max(0, Math.min(event.clientX - rect.left, rect.width)),
            Math.max(0, Math.min(event.clientY - rect.top, rect.height))];
  };
  const draw = (a, b) => {
    const [left, top] = [Math.min(a[0], b[0]), Math.min(a[1], b[1])];
    const [width, height] = [Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])];
    Object.assign(region.style, { left: `${left}px`, top: `${top}px`, width: `${width}px`, height: `${height}px` });
    const k = scale();
    box.value = [left, top, width, height].map((v) => Math.round(v * k)).join(", ");
  };

  select.addEventListener("change", () => {
    const src = select.selectedOptions[0].dataset.src;
    picker.hidden = !src;
    region.style.width = "0";
    if (src) image.src = src;
  });
  image.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    start = point(event);
    image.setPointerCapture(event.pointerId);
  });
  image.addEventListener("pointermove", (event) => { if (start) draw(start, point(event)); });
  image.addEventListener("pointerup", (event) => { if (start) draw(start, point(event)); start = null; });
})();
