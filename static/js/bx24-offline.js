/* A stand-in for //api.bitrix24.com/api/v1/ when the app is opened outside a portal or offline in tests:
   the same BX24 calls, spoken to the parent frame with postMessage as the sandbox portal expects. */
(function () {
  function send(command, params) {
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ source: "bx24", command: command, params: params || {} }, "*");
    }
  }
  window.BX24 = {
    init: function (callback) { setTimeout(callback, 0); },
    installFinish: function () { send("installFinish"); document.documentElement.dataset.installFinished = "1"; },
    fitWindow: function () { send("resizeWindow", { height: document.documentElement.scrollHeight }); },
    resizeWindow: function (width, height) { send("resizeWindow", { width: width, height: height }); },
    placement: { info: function () { return window.BX24_PLACEMENT || {}; } },
    closeApplication: function () { send("closeApplication"); }
  };
})();
