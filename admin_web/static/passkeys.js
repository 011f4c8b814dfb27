// Passkeys (WebAuthn): sign in with one instead of a code ([data-passkey-signin]) and add one on the security
// page ([data-passkey-add]). The server sends options as JSON with base64url strings and takes the browser's
// credential back as JSON; browsers without PublicKeyCredential never see the buttons.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !window.fetch) return;

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var bin = atob(b64 + "===".slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBuffer(c.id) }); });
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      user: Object.assign({}, json.user, { id: toBuffer(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return Object.assign({}, json, { challenge: toBuffer(json.challenge), allowCredentials: withIds(json.allowCredentials) });
  }

  function credentialJSON(cred) {
    if (cred.toJSON) return cred.toJSON();
    var r = cred.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return { id: cred.id, rawId: toText(cred.rawId), type: cred.type, response: response,
             clientExtensionResults: cred.getClientExtensionResults(),
             authenticatorAttachment: cred.authenticatorAttachment || undefined };
  }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body === undefined ? "" : JSON.stringify(body),
      headers: { "X-CSRF-Token": token, "Content-Type": "application/json", Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "Something went wrong.");
        return data;
      });
    });
  }

  function tokenNear(element) {
    var form = element.closest("form");
    var input = form && form.querySelector("input[name=csrf_token]");
    return input ? input.value : element.getAttribute("data-csrf");
  }

  function report(element, message) {
    var box = document.getElementById(element.getAttribute("data-passkey-error"));
    if (box) { box.textContent = message; box.hidden = !message; }
  }

  function failed(element) {
    return function (error) {
      element.disabled = false;
      report(element, error && error.name === "NotAllowedError" ? "The passkey request was cancelled or timed out." : error.message);
    };
  }

  document.querySelectorAll("[data-passkey-signin]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var token = tokenNear(button), form = button.closest("form");
      var trust = form && form.querySelector("input[name=trust_device]");
      button.disabled = true;
      report(button, "");
      post("/console/mfa/passkey/options", token)
        .then(function (options) { return navigator.credentials.get({ publicKey: requestOptions(options) }); })
        .then(function (cred) {
          return post("/console/mfa/passkey", token, { credential: credentialJSON(cred), trust_device: !!(trust && trust.checked) });
        })
        .then(function (data) { window.location.assign(data.next); })
        .catch(failed(button));
    });
  });

  document.querySelectorAll("[data-passkey-add]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var token = tokenNear(button), label = document.getElementById(button.getAttribute("data-passkey-add"));
      button.disabled = true;
      report(button, "");
      post("/console/security/passkeys/options", token)
        .then(function (options) { return navigator.credentials.create({ publicKey: creationOptions(options) }); })
        .then(function (cred) {
          return post("/console/security/passkeys", token, { credential: credentialJSON(cred), label: label ? label.value : "" });
        })
        .then(function () { window.location.reload(); })
        .catch(failed(button));
    });
  });
})();
