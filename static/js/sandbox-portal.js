/* The sandbox portal page's side of the frame protocol, as Bitrix24's own page speaks it to the app's iframe
   (modules/rest/install/js/rest/applayout.js: BX.rest.AppLayout, receiveMessage, MessageInterface) and as
   @bitrix24/b24jssdk expects it (packages/jssdk/src/loader-b24frame.ts, frame/message/controller.ts):
   - the iframe is named DOMAIN|PROTOCOL|APP_SID, DOMAIN being this page's own host;
   - the frame request is a form posted into that iframe;
   - the frame posts strings "command:params:callback:APP_SID" (params JSON, possibly absent) to this page's origin;
     only messages from the handler's origin with this frame's APP_SID count;
   - answers are "callback:JSON" posted to the handler's origin. */
(function () {
  var script = document.currentScript;
  var layout = document.getElementById("app-layout");
  var current = null; // {frame, request}
  window.sandboxFrameLog = []; // every command the frame sent, for people and tests to read

  function post(url, fields) {
    var body = new URLSearchParams(fields || {});
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(url + " answered " + response.status); }
      return response.json();
    });
  }

  function open(request) {
    // A fresh iframe each time: its name (the library reads window.name) is fixed when it is created.
    if (current) { current.frame.remove(); }
    var protocol = location.protocol === "https:" ? "1" : "0";
    var frame = document.createElement("iframe");
    frame.id = "app-frame";
    frame.className = "app-frame";
    frame.name = [location.host, protocol, request.app_sid].join("|");
    frame.setAttribute("allow", "clipboard-write; camera; microphone");
    layout.appendChild(frame);
    current = { frame: frame, request: request };

    var form = document.createElement("form");
    form.method = "post";
    form.action = request.action;
    form.target = frame.name;
    form.hidden = true;
    Object.keys(request.form).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = request.form[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }

  // Bitrix24's split(): command first, callback and APP_SID last, everything between is the JSON params.
  function parse(data) {
    if (data && typeof data === "object") {
      return { command: data.method, params: data.params || {}, callback: data.callback, appSid: data.appSid };
    }
    var parts = String(data).split(":");
    var middle = parts.slice(1, parts.length - 2).join(":");
    return {
      command: parts[0],
      params: middle ? JSON.parse(middle) : {},
      callback: parts[parts.length - 2],
      appSid: parts[parts.length - 1],
    };
  }

  function answer(message, result) {
    if (!message.callback || !current) { return; }
    var text = message.callback + ":" + (typeof result === "undefined" ? "" : JSON.stringify(result));
    current.frame.contentWindow.postMessage(text, current.request.app_origin);
  }

  var commands = {
    getInitData: function (params, message) {
      var init = Object.assign({}, current.request.init, {
        DOMAIN: location.host,
        PROTOCOL: location.protocol === "https:" ? 1 : 0,
      });
      answer(message, init);
    },
    setInstall: function (params, message) { answer(message, params); },
    setInstallFinish: function () {
      document.body.dataset.installFinished = "1";
      post(script.dataset.installFinished).then(function () {
        location.href = location.pathname + "?done=installed&install_finished=Y&view=app"; // applayout.js adds install_finished; done= is the sandbox's flash
      });
    },
    resizeWindow: function (params, message) {
      var frame = current.frame;
      var width = params.width === "100%" ? "100%" : (parseInt(params.width, 10) || 100) + "px";
      var height = parseInt(params.height, 10);
      frame.style.width = width;
      if (height) { frame.style.height = height + "px"; }
      var box = frame.getBoundingClientRect();
      answer(message, { width: box.width, height: box.height });
    },
    setTitle: function (params, message) {
      var title = document.getElementById("app-title");
      if (title) { title.textContent = params.title || ""; }
      answer(message, params);
    },
    setScroll: function (params, message) {
      if (typeof params.scroll !== "undefined" && params.scroll >= 0) { window.scrollTo(window.scrollX, parseInt(params.scroll, 10)); }
      answer(message, params);
    },
    reloadWindow: function () { location.reload(); },
    refreshAuth: function (params, message) {
      post(script.dataset.refreshAuth, { refresh_id: current.request.init.REFRESH_ID }).then(function (auth) {
        current.request.init.AUTH_ID = auth.AUTH_ID;
        current.request.init.REFRESH_ID = auth.REFRESH_ID;
        current.request.init.AUTH_EXPIRES = auth.AUTH_EXPIRES;
        answer(message, auth);
      });
    },
    setUserOption: function (params, message) {
      current.request.init.USER_OPTIONS[params.name] = params.value;
      answer(message, params);
    },
    setAppOption: function (params, message) {
      if (!current.request.init.IS_ADMIN) { return; }
      current.request.init.APP_OPTIONS[params.name] = params.value;
      answer(message, params);
    },
    getInterface: function (params, message) { answer(message, { command: [], event: [] }); },
    closeApplication: function (params, message) { current.frame.hidden = true; answer(message, {}); },
  };

  window.addEventListener("message", function (event) {
    if (!current || event.source !== current.frame.contentWindow) { return; }
    if (event.origin !== current.request.app_origin) { return; }
    if (typeof event.data !== "string" && (typeof event.data !== "object" || event.data === null)) { return; }
    var message;
    try { message = parse(event.data); } catch (error) { return; }
    if (message.appSid !== current.request.app_sid) { return; }
    window.sandboxFrameLog.push({ command: message.command, params: message.params });
    var handler = commands[message.command];
    if (handler) { handler(message.params, message); }
  });

  document.querySelectorAll("[data-placement]").forEach(function (button) {
    button.addEventListener("click", function () {
      var fields = { placement: button.dataset.placement };
      if (button.dataset.options) { fields.options = button.dataset.options; }
      post(script.dataset.frames, fields).then(open);
    });
  });
  if (layout && layout.dataset.frame) { open(JSON.parse(layout.dataset.frame)); }
})();
