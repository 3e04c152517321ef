/*
 * The landing page's "Open in <host>" button (/c/:id), as the widget opens a card: on Android
 * the intent: URL (Chrome follows its browser fallback, the web hop, when the app is missing);
 * on iOS the host's scheme, then the https web hop if the page is still in front ~1.5 s later;
 * on a computer the link itself, the web hop, beside the page's QR code. Without this script
 * (or without JavaScript) the button is a plain link to the web hop.
 *
 * Every URL is built by the server from the card's app with the SDK's buildDeepLink and
 * written into the button's data-* attributes; nothing here builds or reads a URL from card
 * text. Served from /assets/ under the page's CSP (script-src 'self', no inline script).
 */
(function () {
  "use strict";
  var button = document.querySelector("a.open[data-scheme]");
  if (!button) return;
  var agent = navigator.userAgent;
  var platform = /Android/i.test(agent)
    ? "android"
    : /iPhone|iPad|iPod/i.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1)
      ? "ios"
      : "desktop";
  if (platform === "desktop") return;

  /** The URL's protocol, or "" when it does not parse. */
  function protocolOf(href) {
    try {
      return new URL(href).protocol;
    } catch (error) {
      return "";
    }
  }
  var NEVER = ["javascript:", "data:", "vbscript:", "blob:", "file:", "about:", "http:", "https:", ""];
  /** An app's scheme or an intent: URL, never a script, data or web URL. */
  function isAppUrl(href) {
    return !!href && NEVER.indexOf(protocolOf(href)) < 0;
  }
  function isWebUrl(href) {
    return !!href && (protocolOf(href) === "https:" || protocolOf(href) === "http:");
  }

  button.setAttribute("data-platform", platform);
  button.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var target = platform === "android" ? button.getAttribute("data-intent") : button.getAttribute("data-scheme");
    if (!isAppUrl(target)) return; // the plain link (the web hop) opens instead
    event.preventDefault();
    var web = button.getAttribute("data-web");
    if (platform === "ios" && isWebUrl(web)) {
      var left = false;
      var away = function () {
        if (document.visibilityState === "hidden") left = true;
      };
      var gone = function () {
        left = true;
      };
      document.addEventListener("visibilitychange", away);
      window.addEventListener("pagehide", gone);
      setTimeout(function () {
        document.removeEventListener("visibilitychange", away);
        window.removeEventListener("pagehide", gone);
        // Still here: the app did not open; the web hop offers it (or its download).
        if (!left && document.visibilityState === "visible") location.href = web;
      }, 1500);
    }
    location.href = target;
  });
})();
