() => {
  // Text a reader cannot see whole: a box that clips its overflow (hidden, clip or an ellipsis) whose
  // text is wider than the box, and text running past the right edge of the window. The data grid draws
  // on a canvas (its columns size to their content and scroll), maps live in iframes: both are skipped.
  const out = [];
  const vw = document.documentElement.clientWidth;
  const skip = "[data-testid=stDataFrame], iframe, canvas, [data-testid=stFullScreenFrame] svg";
  for (const el of document.querySelectorAll("[data-testid=stMain] *, [data-testid=stSidebar] *")) {
    if (el.closest(skip) || el.querySelector("iframe, canvas, [data-testid=stDataFrame]")) continue;
    const text = (el.textContent || "").trim();
    if (!text || text.length > 400) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden") continue;
    const clips = ["hidden", "clip"].includes(cs.overflowX) || cs.textOverflow === "ellipsis";
    if (clips && el.scrollWidth > el.clientWidth + 1) {
      out.push(["cut", text.slice(0, 40), el.scrollWidth, el.clientWidth]);
    } else if (el.children.length === 0 && r.right > vw + 1 && r.left < vw) {
      out.push(["offscreen", text.slice(0, 40), Math.round(r.right), vw]);
    }
  }
  return out;
}
