// Sign-in without a page reload between the password and the code. Without this script the same forms
// post normally (password -> /console/mfa -> console), so it only enhances.
(function () {
  "use strict";
  var form = document.getElementById("signin");
  var step = document.getElementById("second-step");
  var error = document.getElementById("signin-error");
  if (!form || !step || !window.fetch || !window.URLSearchParams) return;

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        button.disabled = false;
        if (data.error) {
          showError(data.error);
        } else if (data.step === "code") {
          step.querySelector("input[name=csrf_token]").value = data.csrf_token;
          error.hidden = true;
          form.hidden = true;
          step.hidden = false;
          step.querySelector("input[name=code]").focus();
        } else {
          window.location.assign(data.next);
        }
      })
      .catch(function () {
        form.submit(); // anything unexpected: fall back to the plain form post
      });
  });
})();
