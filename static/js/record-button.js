/* "Record the error" in the Support form: opens the recorder window and attaches what it uploaded.
 *
 * The iframe itself may not capture the screen (no display-capture in the portal's allow=), so recording runs
 * in a top-level window of the app (placements/recorder.py). It posts {type, key, name, facts} back to this
 * window; only a message from that window and from the app's own origin is taken.
 */
// Wired once every deferred script ran: tus-js-client (loaded after this file) is needed for the check below.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var launch = document.getElementById("recorder-launch");
  var button = document.getElementById("record-error");
  if (!launch || !button) { return; }
  var note = document.getElementById("record-note");
  launch.hidden = false;
  var media = navigator.mediaDevices;
  if (!(media && media.getDisplayMedia && window.MediaRecorder && window.tus && tus.isSupported)) {
    button.disabled = true;
    note.textContent = button.getAttribute("data-unsupported");
    return;
  }
  var recorder = null;
  button.addEventListener("click", function () {
    recorder = window.open(button.getAttribute("data-recorder-url"), "b24desk-recorder",
                           "popup,width=600,height=720");
    if (!recorder) {
      note.textContent = button.getAttribute("data-blocked");
      note.className = "field-error recorder-launch__note";
    }
  });
  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || !recorder || event.source !== recorder) { return; }
    var data = event.data || {};
    if (data.type !== "b24desk:recording" || typeof data.key !== "string" || !window.b24deskAttachUpload) { return; }
    window.b24deskAttachUpload(data.key, String(data.name || "recording"), String(data.facts || ""));
  });
});
