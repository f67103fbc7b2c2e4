/* The app's pages inside a portal: the official b24jssdk frame (B24Js), a frame that follows its content, installFinish.
   window.B24Frame.ready resolves with the library's B24Frame, or with null outside a portal's iframe. */
(function () {
  var inPortal = !!window.B24Js && window.parent !== window && (window.name || "").split("|").length >= 3;
  var ready = inPortal
    ? B24Js.initializeB24Frame().catch(function () { return null; })
    : Promise.resolve(null);
  var lastHeight = 0;
  var pending = false;

  // The library's fitWindow() sends documentElement.scrollHeight, which is never less than the iframe's current
  // height, so a frame that once grew could not shrink. Measure the body instead and send the same command
  // fitWindow sends (resizeWindow, width 100%).
  function contentHeight() {
    var body = document.body;
    return Math.ceil(Math.max(body.scrollHeight, body.getBoundingClientRect().height));
  }

  function fit() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      ready.then(function (b24) {
        var height = contentHeight();
        if (!b24 || height === lastHeight || height <= 0) { return; }
        lastHeight = height;
        b24.parent.message.send("resizeWindow", { width: "100%", height: height, isSafely: true });
      });
    });
  }

  function installFinish() {
    return ready.then(function (b24) {
      if (!b24 || !b24.isInstallMode) { return false; }
      return b24.installFinish().then(function () { return true; });
    });
  }

  if (window.ResizeObserver) {
    new ResizeObserver(fit).observe(document.body);
  }
  window.addEventListener("load", fit);
  ready.then(fit);
  window.B24Frame = { ready: ready, fit: fit, installFinish: installFinish };
})();
