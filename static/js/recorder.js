/* The recorder window: getDisplayMedia + MediaRecorder, a timer, stop, preview, again, and Attach over tus.
 *
 * Attach uploads the recording to placements/tus.py with this window's recorder token, then tells the Support
 * form that opened the window (window.opener, the app's iframe) by postMessage to the app's own origin only.
 */
(function () {
  "use strict";
  var root = document.getElementById("recorder");
  if (!root) { return; }
  var text = JSON.parse(root.getAttribute("data-text") || "{}");
  var $ = function (id) { return document.getElementById(id); };
  var media = navigator.mediaDevices;
  if (!(media && media.getDisplayMedia && window.MediaRecorder && window.tus && tus.isSupported)) {
    $("rec-unsupported").hidden = false;
    $("rec-setup").hidden = true;
    return;
  }
  // The first container this browser records: WebM in Chromium and Firefox, MP4 in Safari.
  var TYPES = ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];
  var type = TYPES.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0] || "";
  var streams = [], chunks = [], recorder = null, started = 0, seconds = 0, ticker = null, blob = null;
  var size = { width: 0, height: 0 };

  function show(state) {
    $("rec-setup").hidden = state !== "setup";
    $("rec-live").hidden = state !== "live";
    $("rec-done").hidden = state !== "done";
  }
  function clock(s) { s = Math.round(s); return Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60); }
  // In the page's language (Russian: 1,5; 1 234,5), as the server writes the same sizes.
  function megabytes(bytes) {
    return (bytes / 1048576).toLocaleString(document.documentElement.lang || undefined,
                                            {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " MB";
  }
  function error(message) { $("rec-error").textContent = message; $("rec-error").hidden = !message; }
  function stopTracks() {
    streams.forEach(function (s) { s.getTracks().forEach(function (t) { t.stop(); }); });
    streams = [];
  }

  $("rec-start").addEventListener("click", function () {
    error("");
    media.getDisplayMedia({ video: { frameRate: 15 }, audio: false }).then(function (screen) {
      streams.push(screen);
      var wanted = $("rec-mic").checked ? media.getUserMedia({ audio: true }).catch(function () { return null; })
                                        : Promise.resolve(null);
      return wanted.then(function (mic) {
        if (mic) { streams.push(mic); }
        var tracks = screen.getVideoTracks().concat(mic ? mic.getAudioTracks() : []);
        // Closing the browser's "Stop sharing" bar ends the recording as Stop does.
        screen.getVideoTracks()[0].addEventListener("ended", stop);
        begin(new MediaStream(tracks));
      });
    }).catch(function () { stopTracks(); error(text.denied); });
  });

  function begin(stream) {
    chunks = [];
    recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    recorder.ondataavailable = function (event) { if (event.data && event.data.size) { chunks.push(event.data); } };
    recorder.onstop = finish;
    recorder.start(1000);
    started = Date.now();
    $("rec-timer").textContent = "0:00";
    ticker = setInterval(function () { $("rec-timer").textContent = clock((Date.now() - started) / 1000); }, 250);
    show("live");
  }

  function stop() { if (recorder && recorder.state !== "inactive") { recorder.stop(); } }
  $("rec-stop").addEventListener("click", stop);

  function finish() {
    clearInterval(ticker);
    seconds = (Date.now() - started) / 1000;
    stopTracks();
    blob = new Blob(chunks, { type: (recorder.mimeType || type || "video/webm").split(";")[0] });
    var preview = $("rec-preview");
    $("rec-facts").textContent = clock(seconds) + " · " + megabytes(blob.size);
    // The frames' real size, as recorded (the capture may have been resized since it started).
    preview.addEventListener("loadedmetadata", function () {
      size = { width: preview.videoWidth, height: preview.videoHeight };
      $("rec-facts").textContent = clock(seconds) + " · " + size.width + "×" + size.height + " · " +
        megabytes(blob.size);
    }, { once: true });
    preview.src = URL.createObjectURL(blob);
    $("rec-upload").innerHTML = "";
    $("rec-attach").disabled = false;
    show("done");
  }

  $("rec-again").addEventListener("click", function () { blob = null; show("setup"); });

  $("rec-attach").addEventListener("click", function () {
    if (!blob) { return; }
    error("");
    $("rec-attach").disabled = true;
    $("rec-again").disabled = true;
    var stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    var name = "error-recording-" + stamp + (blob.type === "video/mp4" ? ".mp4" : ".webm");
    var li = document.createElement("li");
    li.className = "upload";
    li.innerHTML = '<span class="upload__name"></span><progress class="upload__bar" max="100" value="0"></progress>' +
                   '<span class="upload__stats muted"></span>';
    li.querySelector(".upload__name").textContent = name;
    $("rec-upload").appendChild(li);
    var upload = new tus.Upload(blob, {
      endpoint: root.getAttribute("data-endpoint"),
      headers: { "Upload-Recorder-Token": root.getAttribute("data-token") },
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { filename: name, role: "video" },
      storeFingerprintForResuming: false,  // a recording lives only in this window
      onProgress: function (sent, total) {
        var percent = total ? Math.floor(sent * 100 / total) : 0;
        li.querySelector(".upload__bar").value = percent;
        li.querySelector(".upload__stats").textContent = percent + "%";
      },
      onSuccess: function () {
        li.className = "upload upload--done";
        var key = upload.url.split("?")[0].split("/").pop();
        var facts = clock(seconds) + " · " + megabytes(blob.size);
        if (!window.opener || window.opener.closed) { error(text.no_opener); return; }
        window.opener.postMessage({ type: "b24desk:recording", key: key, name: name, facts: facts,
                                    duration: seconds, size: blob.size }, window.location.origin);
        $("rec-sent").hidden = false;
        $("rec-done").hidden = true;
      },
      onError: function () {
        li.className = "upload upload--failed";
        $("rec-attach").disabled = false;
        $("rec-again").disabled = false;
        error(text.failed);
      },
    });
    upload.start();
  });
})();
