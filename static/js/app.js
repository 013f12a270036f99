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
