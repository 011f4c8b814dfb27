// Exceptions queue keys: j/k move, Enter opens, a allocates to the top suggestion, i ignores, x ticks.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  var at = rows.length ? 0 : -1;
  function focus(i) {
    if (!rows.length) return;
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle("current", n === at); });
    rows[at].scrollIntoView({ block: "nearest" });
  }
  if (rows.length) focus(0);
  rows.forEach(function (r, n) {
    r.addEventListener("click", function (e) { if (e.target.tagName !== "INPUT" && e.target.tagName !== "BUTTON") focus(n); });
  });
  function go(sel) { var a = document.querySelector(sel); if (a) { window.location.href = a.href; return true; } return false; }
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    var row = at >= 0 ? rows[at] : null;
    switch (e.key) {
      case "j": if (row) focus(at + 1); else go("[data-next]"); break;
      case "k": if (row) focus(at - 1); else go("[data-prev]"); break;
      case "Enter": if (row) window.location.href = row.getAttribute("data-href"); else return; break;
      case "u": go("[data-up]"); break;
      case "x": if (row) { var box = row.querySelector("input[type=checkbox]"); if (box) box.checked = !box.checked; } break;
      case "a": {
        var btn = row ? row.querySelector("[data-allocate]") : null;
        var form = btn ? document.getElementById(btn.getAttribute("form")) : document.querySelector("[data-allocate-form]");
        if (!form) return;
        var amount = form.querySelector("input[name=amount]");
        if (amount && !amount.value) { amount.focus(); break; }
        form.submit();
        break;
      }
      case "i": {
        if (row) { window.location.href = row.getAttribute("data-href"); break; }
        var reason = document.querySelector("[data-ignore-reason]");
        if (reason) reason.focus(); else return;
        break;
      }
      default: return;
    }
    e.preventDefault();
  });
})();
