/* The console's ticket page: each video's duration and resolution next to it, read from the player itself.
 *
 * A recording made by MediaRecorder (WebM) carries no duration in its header, so the player reports Infinity
 * until it has seen the end: seek far past it once, note the real duration, and go back to the start.
 */
(function () {
  "use strict";
  function clock(s) { s = Math.round(s); return Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60); }
  document.querySelectorAll("video[data-attachment]").forEach(function (video) {
    var facts = video.parentNode.querySelector("[data-video-facts]");
    if (!facts) { return; }
    function show() {
      facts.textContent = "· " + clock(video.duration) + " · " + video.videoWidth + "×" + video.videoHeight;
      facts.setAttribute("data-duration", String(video.duration));
    }
    video.addEventListener("loadedmetadata", function () {
      if (isFinite(video.duration)) { show(); return; }
      video.addEventListener("durationchange", function found() {
        if (!isFinite(video.duration)) { return; }
        video.removeEventListener("durationchange", found);
        video.currentTime = 0;
        show();
      });
      video.currentTime = 1e9;
    });
    if (video.readyState >= 1) { video.dispatchEvent(new Event("loadedmetadata")); }
  });
})();
