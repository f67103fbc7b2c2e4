/* Resumable uploads for the Support form (tus-js-client against placements/tus.py).
 *
 * A file chosen in the video or attachments input is uploaded at once, in 8 MB pieces, with a progress bar
 * (percent, speed, time left), pause/resume, retries with back-off and resume after a reload (the same file
 * chosen again continues where it stopped). When a file is complete its key goes into a hidden "upload" field
 * and the input is emptied, so the form itself sends only text. The form is not sent while an upload runs.
 * Without JavaScript (or tus support) nothing here runs and the inputs post the files as plain multipart.
 */
(function () {
  "use strict";
  var area = document.getElementById("uploads");
  var form = document.getElementById("support-form") || document.getElementById("followup-form");
  if (!area || !form || !window.tus || !tus.isSupported) { return; }

  var list = document.getElementById("uploads-list");
  var endpoint = area.getAttribute("data-endpoint");
  var token = area.getAttribute("data-form-token");
  var field = area.getAttribute("data-field");
  var scope = area.getAttribute("data-resume-scope") || "";
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || Infinity;
  var text = JSON.parse(area.getAttribute("data-text") || "{}");
  var CHUNK = 8 * 1024 * 1024;
  var running = [];
  var sendWhenDone = false;  // the user pressed Send while uploads ran: send as soon as the last one is in

  function say(key, values) {
    var s = text[key] || key;
    Object.keys(values || {}).forEach(function (name) { s = s.split("{" + name + "}").join(values[name]); });
    return s;
  }

  // In the page's language (Russian: 1,5; 1 234,5), as the server writes the same sizes.
  function megabytes(bytes) {
    return (bytes / 1048576).toLocaleString(document.documentElement.lang || undefined,
                                            {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " MB";
  }

  function clock(seconds) {
    if (!isFinite(seconds) || seconds < 0) { return "…"; }
    seconds = Math.round(seconds);
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function keyOf(url) { return url.split("?")[0].split("/").pop(); }

  function fit() { if (window.BX24 && BX24.fitWindow) { BX24.fitWindow(); } }

  function row(name, role) {
    var li = document.createElement("li");
    li.className = "upload";
    li.setAttribute("data-role", role);
    li.innerHTML =
      '<span class="upload__name"></span> <span class="upload__size muted"></span>' +
      '<progress class="upload__bar" max="100" value="0"></progress>' +
      '<span class="upload__stats muted"></span>' +
      '<button type="button" class="btn btn--light upload__pause"></button>' +
      '<button type="button" class="btn btn--light upload__remove"></button>' +
      '<span class="upload__state badge"></span>' +
      '<div class="field-error upload__error" hidden></div>';
    li.querySelector(".upload__name").textContent = name;
    li.querySelector(".upload__pause").textContent = say("pause");
    li.querySelector(".upload__remove").textContent = say("remove");
    list.appendChild(li);
    fit();
    return li;
  }

  /* A finished upload the form will send: a row with its facts and the hidden field holding its key. */
  function markDone(li, key, facts) {
    li.className = "upload upload--done";
    li.setAttribute("data-upload-key", key);
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = field;
    input.value = key;
    li.appendChild(input);
    var bar = li.querySelector(".upload__bar");
    if (bar) { bar.value = 100; }
    var pause = li.querySelector(".upload__pause");
    if (pause) { pause.remove(); }
    li.querySelector(".upload__stats").textContent = facts || "";
    var state = li.querySelector(".upload__state");
    state.textContent = say("attached");
    state.className = "upload__state badge badge--ok";
    fit();
  }

  function start(file, role) {
    var li = row(file.name, role);
    li.querySelector(".upload__size").textContent = megabytes(file.size);
    if (file.size > maxBytes) {
      fail(li, say("too_large", { name: file.name }));
      return;
    }
    var samples = [];
    var paused = false;
    var upload = new tus.Upload(file, {
      endpoint: endpoint,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      // A reloaded page has a new form token: send it with every request, also to an upload made before.
      headers: { "Upload-Form-Token": token },
      metadata: { filename: file.name, role: role },
      // The default fingerprint contains the endpoint (and so the old token): resume by file and form owner.
      fingerprint: function (f) {
        return Promise.resolve(["b24desk", scope, role, f.name, f.size, f.lastModified].join("/"));
      },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var now = Date.now();
        samples.push([now, sent]);
        while (samples.length > 2 && now - samples[0][0] > 5000) { samples.shift(); }
        var span = (now - samples[0][0]) / 1000;
        var speed = span > 0 ? (sent - samples[0][1]) / span : 0;
        var percent = total ? Math.floor(sent * 100 / total) : 0;
        li.querySelector(".upload__bar").value = percent;
        li.querySelector(".upload__stats").textContent = say("progress", {
          percent: percent, speed: megabytes(speed) + "/s", left: clock(speed > 0 ? (total - sent) / speed : NaN),
        });
      },
      onSuccess: function () {
        running.splice(running.indexOf(upload), 1);
        markDone(li, keyOf(upload.url), megabytes(file.size));
        if (sendWhenDone && !running.length && !list.querySelector(".upload--failed")) {
          sendWhenDone = false;
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        }
      },
      onError: function (error) {
        running.splice(running.indexOf(upload), 1);
        sendWhenDone = false;
        document.getElementById("uploads-wait").hidden = true;
        var body = error.originalResponse && error.originalResponse.getBody();
        var message = "";
        try { message = JSON.parse(body).error_description; } catch (e) { message = ""; }
        fail(li, message || say("failed"));
      },
    });
    running.push(upload);
    li.querySelector(".upload__pause").addEventListener("click", function (event) {
      paused = !paused;
      if (paused) { upload.abort(); } else { upload.start(); }
      event.target.textContent = say(paused ? "resume" : "pause");
      li.querySelector(".upload__state").textContent = paused ? say("paused") : "";
    });
    li.querySelector(".upload__remove").addEventListener("click", function () {
      var at = running.indexOf(upload);
      if (at >= 0) { running.splice(at, 1); }
      upload.abort(true);  // also DELETE (tus termination) what the server holds
      li.remove();
      fit();
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  }

  function fail(li, message) {
    li.className = "upload upload--failed";
    var error = li.querySelector(".upload__error");
    error.textContent = message;
    error.hidden = false;
    var pause = li.querySelector(".upload__pause");
    if (pause) { pause.remove(); }
    fit();
  }

  function take(input, role) {
    if (!input) { return; }
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files || [], function (file) { start(file, role); });
      input.value = "";  // the file goes over tus; the form must not send it a second time
    });
  }
  take(document.getElementById("video"), "video");
  take(document.getElementById("attachments"), "file");
  take(document.getElementById("files"), "file");

  // Capture on the document runs before the form's own submit handlers: none of them sees a blocked submit.
  document.addEventListener("submit", function (event) {
    if (event.target !== form || !running.length) { return; }
    event.preventDefault();
    event.stopPropagation();
    sendWhenDone = true;
    document.getElementById("uploads-wait").hidden = false;
    fit();
  }, true);

  /* For the recorder window (static/js/recorder.js): a recording it uploaded is attached here. */
  window.b24deskAttachUpload = function (key, name, facts) {
    var li = row(name, "video");
    markDone(li, key, facts);
    li.querySelector(".upload__remove").addEventListener("click", function () {
      // tus termination of the recording the recorder window uploaded; the row goes either way.
      var xhr = new XMLHttpRequest();
      xhr.open("DELETE", endpoint.split("?")[0] + "/" + encodeURIComponent(key));
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("Upload-Form-Token", token);
      xhr.send();
      li.remove();
      fit();
    });
  };
})();
