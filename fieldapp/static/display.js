// The projector display: polls the session's current code and count. The page is never reloaded,
// so the projector stays full screen. The code's address (with the display key) is the main
// element's data-code-url; no inline script, so the page's CSP allows scripts from /static only.
(function () {
  "use strict";
  const main = document.querySelector("main[data-code-url]");
  const url = main.dataset.codeUrl;
  const code = document.getElementById("code");
  const count = document.getElementById("count");
  async function refresh() {
    let wait = 5;
    try {
      const response = await fetch(url, {cache: "no-store"});
      if (response.ok) {
        const data = await response.json();
        code.innerHTML = data.svg; // the server's own SVG of the code: a path, no script, no style
        count.textContent = data.checkins;
        wait = Math.max(1, Math.min(data.refresh_in, 5));
      }
    } catch (error) { /* offline for a moment: try again soon */ }
    setTimeout(refresh, wait * 1000);
  }
  refresh();
}());
