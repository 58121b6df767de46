/**
 * The studio's HTML: landmarks, labelled controls in reading order, live regions. The script
 * (/assets/studio.js) generates the option controls from /openapi.json and does the rest.
 */
export function studioPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SVG-AI studio</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 16 16%22%3E%3Cpath d=%22M2 14 8 2l6 12z%22 fill=%22%231f5fbf%22/%3E%3C/svg%3E">
<link rel="stylesheet" href="/assets/studio.css">
<script type="module" src="/assets/studio.js"></script>
</head>
<body>
<a class="skip" href="#viewer">Skip to the result</a>
<header class="top">
  <h1>SVG-AI <span>studio</span></h1>
  <nav aria-label="Elsewhere"><a href="/docs">API reference</a> <a href="/openapi.json">openapi.json</a></nav>
</header>
<main class="layout">
  <section class="input" aria-labelledby="input-h">
    <h2 id="input-h">Images</h2>
    <div id="drop" class="drop">
      <input id="file" type="file" accept="image/png,image/jpeg,image/webp,image/gif" multiple>
      <label for="file"><strong>Choose images</strong>, drop them here or paste one (Ctrl+V). PNG, JPEG, WebP or GIF; several go through one batch.</label>
    </div>
    <p id="error" class="error" role="alert" hidden></p>
    <p id="announce" class="sr" aria-live="polite"></p>
    <ol id="queue" class="queue" aria-label="Conversions"></ol>
  </section>
  <section id="viewer" class="viewer" aria-labelledby="viewer-h" tabindex="-1">
    <h2 id="viewer-h">Compare</h2>
    <div class="toolbar">
      <fieldset class="views" id="views"><legend>View</legend>
        <label><input type="radio" name="view" value="side" checked> Side by side</label>
        <label><input type="radio" name="view" value="swipe"> Swipe</label>
        <label><input type="radio" name="view" value="diff"> Difference</label>
        <label><input type="radio" name="view" value="outline"> Outlines</label>
      </fieldset>
      <div class="zoom" role="group" aria-label="Zoom">
        <button type="button" id="zoom-out" aria-label="Zoom out">−</button>
        <output id="zoom-level" aria-live="polite">fit</output>
        <button type="button" id="zoom-in" aria-label="Zoom in">+</button>
        <button type="button" id="zoom-fit">Fit</button>
        <button type="button" id="zoom-1">1:1</button>
      </div>
      <label class="bg">Background
        <select id="background"><option value="checker">checkerboard</option><option value="white">white</option><option value="black">black</option></select>
      </label>
    </div>
    <div id="stage" class="stage view-side bg-checker" tabindex="0" aria-label="Comparison; arrow keys pan, plus and minus zoom" aria-describedby="stage-hint">
      <div class="pane" id="pane-a"><span class="pane-label">source</span><div class="frame"><img id="img-src" alt="Source image"></div></div>
      <div class="pane" id="pane-b"><span class="pane-label" id="label-b">SVG</span><div class="frame"><img id="img-svg" alt="Converted SVG"><img id="img-outline" alt="Outlines of the SVG's shapes" hidden><canvas id="diff" hidden aria-label="Difference heat map"></canvas></div></div>
      <p class="empty" id="empty">Choose, drop or paste an image to see it here.</p>
    </div>
    <p id="stage-hint" class="muted">Drag or use the arrow keys to pan, wheel or + and − to zoom; both sides move together.</p>
    <label id="swipe-control" class="swipe" hidden>Swipe position <input id="swipe" type="range" min="0" max="100" value="50"></label>
    <p id="diff-legend" class="legend" hidden><span class="ramp"></span> <span id="diff-summary"></span></p>
    <section class="facts" aria-labelledby="facts-h">
      <h2 id="facts-h">Facts</h2>
      <dl id="facts"></dl>
    </section>
    <section class="downloads" aria-labelledby="downloads-h">
      <h2 id="downloads-h">Download</h2>
      <ul id="downloads"></ul>
    </section>
  </section>
  <section class="settings" aria-labelledby="options-h">
    <form id="options" class="options">
      <h2 id="options-h">Options</h2>
      <p class="muted">Changing a trace option converts again. Empty fields use the service's default.</p>
      <fieldset id="trace-options"><legend>Tracing</legend></fieldset>
      <details class="more"><summary>Download size and layout</summary>
        <p class="muted">These change only the downloaded files; nothing is traced again.</p>
        <fieldset id="export-options"><legend class="sr">Download size and layout</legend></fieldset>
      </details>
      <button type="reset" id="reset">Reset options</button>
    </form>
  </section>
  <section id="batch" class="batch" aria-labelledby="batch-h" hidden>
    <h2 id="batch-h">Batch</h2>
    <div class="table-wrap"><table id="batch-table"><caption id="batch-summary"></caption>
      <thead><tr><th scope="col">file</th><th scope="col">status</th><th scope="col">tier</th><th scope="col">engine</th><th scope="col">SSIM</th><th scope="col">ms</th><th scope="col">bytes</th><th scope="col"><span class="sr">view</span></th></tr></thead>
      <tbody></tbody></table></div>
    <p><a id="archive" class="button" href="#" download hidden>Download all as one archive (zip)</a></p>
  </section>
</main>
</body>
</html>`;
}
