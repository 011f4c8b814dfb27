// Export progress: poll the job as JSON, move the bar, show the download link when the file is ready.
(function () {
  "use strict";
  var box = document.querySelector("[data-export]");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
  var bar = box.querySelector("[data-progress]");
  var summary = box.querySelector("[data-summary]");
  var link = box.querySelector("[data-download]");
  var refresh = box.querySelector("[data-refresh]");
  function tick() {
    fetch(box.getAttribute("data-export"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.max = s.total || 1;
        bar.value = s.done;
        summary.textContent = s.done + " / " + s.total;
        if (s.finished) {
          box.setAttribute("data-finished", "1");
          if (refresh) refresh.hidden = true;
          if (s.failure) summary.textContent = s.failure; else link.hidden = false;
        } else window.setTimeout(tick, 700);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  tick();
})();
