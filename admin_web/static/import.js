// Member import progress: poll the job as JSON and update the bar, the summary and the error table.
(function () {
  "use strict";
  var box = document.querySelector("[data-import]");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) return;
  var url = box.getAttribute("data-import");
  var bar = box.querySelector("[data-progress]");
  var summary = box.querySelector("[data-summary]");
  var state = box.querySelector("[data-state]");
  var table = box.querySelector("[data-errors]");
  var body = table.querySelector("tbody");
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); }
  function tick() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.max = s.total || 1;
        bar.value = s.done;
        summary.textContent = s.done + " / " + s.total + " · +" + s.created + " · ✗ " + s.errors.length;
        body.textContent = "";
        s.errors.forEach(function (e) { var tr = document.createElement("tr"); cell(tr, e.line); cell(tr, e.error); body.appendChild(tr); });
        table.hidden = s.errors.length === 0;
        if (s.finished) { box.setAttribute("data-finished", "1"); state.textContent = s.failure || "✓"; }
        else window.setTimeout(tick, 700);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  tick();
})();
