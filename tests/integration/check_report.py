#!/usr/bin/env python3
"""Independent check of report.html and `ecosweep report --format md`.

usage: check_report.py page DIR          the page's structure
       check_report.py pixels DIR PNG    a browser's screenshot of it
       check_report.py md DIR FILE       the markdown

Recomputes, from trials.csv, front.json and summary.json alone, which
planes the page must show, which trials each plots, and where every mark
goes under the layout contract written down in scheduler/report.h (plot
areas, axis ranges and padding, log joules axis); shares no code with the
C renderer. `page` checks the SVG against that (positions, data-trial,
hover text, the front's staircase, the hypervolume's points, the front
table) and that the page fetches nothing and runs nothing. `pixels`
finds each plot in the screenshot by its registration marks and checks
the colour at every computed mark centre: the front colour for front
trials, the other colour for the rest, the hypervolume colour at each of
its points. Standard library, plus PIL for `pixels`.
"""
import csv
import html.parser
import json
import math
import re
import sys

PLANE = {"w": 720, "h": 440, "x0": 80, "y0": 20, "pw": 600, "ph": 360}
HV = {"w": 720, "h": 300, "x0": 80, "y0": 20, "pw": 600, "ph": 220}
REG = (0xFD, 0xFF, 0xFB)
FRONT = (0xD6, 0x27, 0x28)
OTHER = (0x7F, 0x9E, 0xC4)
HVC = (0x2C, 0xA0, 0x2C)
POS_TOL = 0.006  # cx/cy are printed with two decimals


def fail(msg):
    print("check_report: " + msg)
    sys.exit(1)


# ---- the sweep, from its CSV and JSON outputs -------------------------------


class Sweep:
    def __init__(self, d):
        with open(d + "/front.json") as f:
            self.front = json.load(f)
        with open(d + "/summary.json") as f:
            self.summary = json.load(f)
        with open(d + "/trials.csv", newline="") as f:
            self.rows = list(csv.DictReader(f))
        with open(d + "/journal.jsonl") as f:
            self.spec = json.loads(f.readline())["spec"]
        self.objs = self.front["objectives"]
        self.front_ids = sorted(t["id"] for t in self.front["trials"])
        self.params = list(self.spec["parameters"].keys())
        self.columns = set(self.rows[0].keys()) if self.rows else set()

    def value(self, row, metric):
        col = metric
        if metric != "energy_j" and "metric." + metric in self.columns:
            col = "metric." + metric
        v = row.get(col, "")
        if v in ("", None):
            return None
        v = float(v)
        return v if math.isfinite(v) else None

    def goal(self, metric):
        for o in self.objs:
            if o["metric"] == metric:
                return o["goal"]
        return None

    def planes(self):
        """(x metric, y metric, connect) in the order report.h gives."""
        ms = [o["metric"] for o in self.objs]
        if len(ms) == 1:
            return [("energy_j", ms[0], False)]
        out = []
        for i in range(len(ms)):
            for j in range(i + 1, len(ms)):
                a, b = ms[i], ms[j]
                out.append((b, a, len(ms) == 2) if b == "energy_j" else (a, b, len(ms) == 2))
        return out

    def plotted(self, xm, ym):
        pts = []
        for r in self.rows:
            if r["status"] not in ("completed", "stopped"):
                continue
            x, y = self.value(r, xm), self.value(r, ym)
            if x is None or y is None:
                continue
            pts.append((int(r["id"]), x, y))
        return pts


def fit(values, log):
    """[a, b] and whether the axis is log10, as report.h specifies."""
    if not values:
        return (0.0, 1.0, False)
    t = [math.log10(v) if log else v for v in values]
    lo, hi = min(t), max(t)
    span = hi - lo
    if span > 0:
        pad = 0.05 * span
    elif log:
        pad = 0.5
    else:
        pad = 0.1 * abs(lo) if lo != 0 else 1.0
    return (lo - pad, hi + pad, log)


def frac(ax, v):
    a, b, log = ax
    return ((math.log10(v) if log else v) - a) / (b - a)


def plane_layout(sw, xm, ym):
    pts = sw.plotted(xm, ym)
    xs, ys = [p[1] for p in pts], [p[2] for p in pts]
    ax = fit(xs, xm == "energy_j" and all(v > 0 for v in xs))
    ay = fit(ys, ym == "energy_j" and all(v > 0 for v in ys))
    pos = {}
    for i, x, y in pts:
        pos[i] = (PLANE["x0"] + frac(ax, x) * PLANE["pw"], PLANE["y0"] + PLANE["ph"] - frac(ay, y) * PLANE["ph"])
    return pts, ax, ay, pos


def staircase(sw, xm, ym, pts, pos):
    front = set(sw.front_ids)
    fx = -1 if sw.goal(xm) == "max" else 1
    fy = -1 if sw.goal(ym) == "max" else 1
    fp = sorted((fx * x, fy * y, i) for i, x, y in pts if i in front)
    out = []
    for k, (_, _, i) in enumerate(fp):
        if k:
            out.append((pos[i][0], pos[fp[k - 1][2]][1]))
        out.append(pos[i])
    return out


def hv_layout(sw):
    hist = sw.summary["hypervolume_history"]
    if not hist:
        return []
    spent = sum(float(r["energy_j"]) for r in sw.rows if r["status"] != "pending")
    end = max(spent, hist[-1][0])
    ax = fit([h[0] for h in hist] + [end], False)
    ay = fit([h[1] for h in hist], False)
    return [(HV["x0"] + frac(ax, x) * HV["pw"], HV["y0"] + HV["ph"] - frac(ay, y) * HV["ph"]) for x, y in hist]


# ---- the page, parsed ------------------------------------------------------


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.svgs = []  # {"attrs", "circles", "polylines", "regs"}
        self.front_rows = []
        self.in_front_table = False
        self.circle = None
        self.title = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "svg":
            self.svgs.append({"attrs": a, "circles": [], "polylines": [], "regs": []})
        elif tag == "circle" and self.svgs:
            self.circle = dict(a, title="")
            self.svgs[-1]["circles"].append(self.circle)
        elif tag == "polyline" and self.svgs:
            self.svgs[-1]["polylines"].append(a)
        elif tag == "rect" and self.svgs and a.get("class") == "reg":
            self.svgs[-1]["regs"].append(a)
        elif tag == "table" and "front" in a.get("class", "").split():
            self.in_front_table = True
        elif tag == "tr" and self.in_front_table and "data-trial" in a:
            self.front_rows.append(int(a["data-trial"]))
        elif tag == "title" and self.circle is not None:
            self.title = []

    def handle_endtag(self, tag):
        if tag == "title" and self.title is not None:
            self.circle["title"] = "".join(self.title)
            self.title = None
        elif tag == "circle":
            self.circle = None
        elif tag == "table":
            self.in_front_table = False

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "circle":
            self.circle = None

    def handle_data(self, data):
        self.text.append(data)
        if self.title is not None:
            self.title.append(data)


def parse_points(s):
    return [tuple(float(v) for v in p.split(",")) for p in s.split()]


def near(a, b, tol=POS_TOL):
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def check_page(d):
    sw = Sweep(d)
    with open(d + "/report.html", encoding="utf-8") as f:
        text = f.read()
    pg = Page()
    pg.feed(text)
    pg.close()
    # Self-contained: nothing runs, nothing is fetched.
    for tag, a in pg.tags:
        if tag in ("script", "iframe", "object", "embed", "link", "img", "image", "use", "base", "frame"):
            fail("the page has a <%s> element" % tag)
        for k in a:
            if k in ("src", "href", "xlink:href", "srcset", "action") or k.startswith("on"):
                fail("<%s> has a %s attribute" % (tag, k))
    for style in re.findall(r"<style>(.*?)</style>", text, re.S) + [a.get("style", "") for _, a in pg.tags]:
        if "url(" in style or "@import" in style or "@font-face" in style:
            fail("a style loads something: %r" % style[:80])
    if any(tag == "b" for tag, _ in pg.tags):
        fail("a <b> element: a parameter value was not escaped")
    name = sw.spec.get("name")
    if name and not any(name in t for t in pg.text):
        fail("the spec's name %r is not in the page's text" % name)

    plots = [s for s in pg.svgs if "plot" in s["attrs"].get("class", "").split()]
    planes = [s for s in plots if "plane" in s["attrs"]["class"].split()]
    hvs = [s for s in plots if "hv" in s["attrs"]["class"].split()]
    expect = sw.planes()
    if len(planes) != len(expect):
        fail("%d planes, expected %d (%s)" % (len(planes), len(expect), expect))
    by_id = {int(r["id"]): r for r in sw.rows}
    front = set(sw.front_ids)
    checked = 0
    for svg, (xm, ym, connect) in zip(planes, expect):
        a = svg["attrs"]
        if (a.get("data-x-metric"), a.get("data-y-metric")) != (xm, ym):
            fail("plane %s/%s, expected %s/%s" % (a.get("data-x-metric"), a.get("data-y-metric"), xm, ym))
        if (int(a["width"]), int(a["height"])) != (PLANE["w"], PLANE["h"]):
            fail("plane size %sx%s" % (a["width"], a["height"]))
        if len(svg["regs"]) != 2:
            fail("plane %s/%s: %d registration marks" % (xm, ym, len(svg["regs"])))
        pts, ax, ay, pos = plane_layout(sw, xm, ym)
        if a.get("data-x-log") != str(int(ax[2])) or a.get("data-y-log") != str(int(ay[2])):
            fail("plane %s/%s: log flags %s/%s, expected %d/%d" % (xm, ym, a.get("data-x-log"), a.get("data-y-log"),
                                                                   ax[2], ay[2]))
        marks = {}
        for c in svg["circles"]:
            i = int(c["data-trial"])
            if i in marks:
                fail("plane %s/%s: trial %d has two marks" % (xm, ym, i))
            marks[i] = c
        if sorted(marks) != sorted(pos):
            fail("plane %s/%s: marks for %s, expected %s" % (xm, ym, sorted(marks), sorted(pos)))
        if not front <= set(marks):
            fail("plane %s/%s: front trials %s not plotted" % (xm, ym, sorted(front - set(marks))))
        for i, c in marks.items():
            on = i in front
            want = ("front", "6", "#d62728") if on else ("other", "4", "#7f9ec4")
            if (c.get("class"), c.get("r"), c.get("fill").lower()) != want:
                fail("trial %d: mark %s r=%s %s, expected %s" % (i, c.get("class"), c.get("r"), c.get("fill"), want))
            got = (float(c["cx"]), float(c["cy"]))
            if not near(got, pos[i]):
                fail("plane %s/%s: trial %d at %s, expected %s" % (xm, ym, i, got, pos[i]))
            for p in sw.params:
                if "%s = %s" % (p, by_id[i][p]) not in c["title"]:
                    fail("trial %d: hover text %r lacks %s = %s" % (i, c["title"], p, by_id[i][p]))
            checked += 1
        lines = [p for p in svg["polylines"] if p.get("class") == "front-line"]
        if connect and front:
            if len(lines) != 1:
                fail("plane %s/%s: %d front lines" % (xm, ym, len(lines)))
            got = parse_points(lines[0]["points"])
            want = staircase(sw, xm, ym, sw.plotted(xm, ym), pos)
            if len(got) != len(want) or not all(near(g, w) for g, w in zip(got, want)):
                fail("plane %s/%s: staircase %s, expected %s" % (xm, ym, got[:6], want[:6]))
        elif lines:
            fail("plane %s/%s: a front line on a projection" % (xm, ym))
    hist = hv_layout(sw)
    if hist:
        if len(hvs) != 1:
            fail("%d hypervolume plots" % len(hvs))
        pts = [(float(c["cx"]), float(c["cy"])) for c in hvs[0]["circles"]]
        if len(pts) != len(hist) or not all(near(g, w) for g, w in zip(pts, hist)):
            fail("hypervolume points %s, expected %s" % (pts[:5], hist[:5]))
    if pg.front_rows != sw.front_ids:
        fail("front table rows %s, expected %s" % (pg.front_rows, sw.front_ids))
    print("check_report: page ok (%d planes, %d marks, %d on the front, %d hypervolume points)" %
          (len(planes), checked, len(front), len(hist)))


# ---- the screenshot ------------------------------------------------------


def registration_marks(img):
    """Top-left corners of the 4x4 registration blocks, by rows."""
    w, _ = img.size
    data = img.tobytes()
    pat = bytes(REG) * 3
    hits = set()
    i = data.find(pat)
    while i >= 0:
        if i % 3 == 0:
            hits.add(((i // 3) % w, (i // 3) // w))
        i = data.find(pat, i + 1)
    corners = [(x, y) for x, y in hits if (x - 1, y) not in hits and (x, y - 1) not in hits]
    return sorted(corners, key=lambda p: (p[1], p[0]))


def close_colour(px, want, tol=10):
    return all(abs(a - b) <= tol for a, b in zip(px[:3], want))


def check_pixels(d, png):
    from PIL import Image

    sw = Sweep(d)
    img = Image.open(png).convert("RGB")
    marks = registration_marks(img)
    expect = sw.planes()
    hist = hv_layout(sw)
    n_plots = len(expect) + (1 if hist else 0)
    if len(marks) != 2 * n_plots:
        fail("%d registration marks in the %dx%d screenshot, expected %d (2 per plot)" %
             (len(marks), img.size[0], img.size[1], 2 * n_plots))
    # Plots stack down the page: each plot's top-left mark, then its
    # bottom-right one.
    origins = []
    for k in range(n_plots):
        (x0, y0), (x1, y1) = marks[2 * k], marks[2 * k + 1]
        lay = PLANE if k < len(expect) else HV
        if abs(x1 - x0 - (lay["w"] - 4)) > 1 or abs(y1 - y0 - (lay["h"] - 4)) > 1:
            fail("plot %d spans %dx%d px, expected %dx%d (device scale factor not 1?)" %
                 (k, x1 - x0 + 4, y1 - y0 + 4, lay["w"], lay["h"]))
        origins.append((x0, y0))
    front = set(sw.front_ids)
    n_front = n_other = 0
    for k, (xm, ym, _) in enumerate(expect):
        ox, oy = origins[k]
        _, _, _, pos = plane_layout(sw, xm, ym)
        fronts = [pos[i] for i in pos if i in front]
        for i, (x, y) in sorted(pos.items()):
            px = img.getpixel((ox + int(x), oy + int(y)))
            if i in front:
                if not close_colour(px, FRONT):
                    fail("plane %s/%s: front trial %d at (%d, %d): colour %s, expected %s" %
                         (xm, ym, i, ox + int(x), oy + int(y), px, FRONT))
                n_front += 1
            elif all(math.hypot(x - fx, y - fy) > 8 for fx, fy in fronts):
                if not close_colour(px, OTHER):
                    fail("plane %s/%s: dominated trial %d at (%d, %d): colour %s, expected %s" %
                         (xm, ym, i, ox + int(x), oy + int(y), px, OTHER))
                n_other += 1
    n_hv = 0
    if hist:
        ox, oy = origins[-1]
        for x, y in hist:
            px = img.getpixel((ox + int(x), oy + int(y)))
            if not close_colour(px, HVC):
                fail("hypervolume point at (%d, %d): colour %s, expected %s" % (ox + int(x), oy + int(y), px, HVC))
            n_hv += 1
    if n_front != len(front) * len(expect):
        fail("checked %d front marks, expected %d" % (n_front, len(front) * len(expect)))
    print("check_report: pixels ok (%d plots; %d front, %d other, %d hypervolume marks)" %
          (n_plots, n_front, n_other, n_hv))


# ---- markdown ----------------------------------------------------------------


def md_cells(line):
    if not (line.startswith("|") and line.endswith("|")):
        fail("not a table row: %r" % line)
    cells = re.split(r"(?<!\\)\|", line[1:-1])
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", c.strip()) for c in cells]


def check_md(d, path):
    sw = Sweep(d)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    tables, cur = [], []
    for line in lines:
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            tables.append(cur)
            cur = []
    if cur:
        tables.append(cur)
    if not tables:
        fail("no table")
    for t in tables:
        width = len(md_cells(t[0]))
        for line in t:
            if len(md_cells(line)) != width:
                fail("row %r has %d cells, the header %d" % (line, len(md_cells(line)), width))
        if not re.fullmatch(r"\|( *:?-{3,}:? *\|)+", t[1].replace(" ", "")):
            fail("no delimiter row under %r" % t[0])
    totals = {md_cells(line)[0]: md_cells(line)[1] for line in tables[0][2:]}
    if not totals.get("trials", "").startswith(str(len(sw.rows))):
        fail("totals: trials %r, expected %d" % (totals.get("trials"), len(sw.rows)))
    for key in ("energy: trials", "energy: overhead", "energy: total", "carbon"):
        if key not in totals:
            fail("totals lack %r" % key)
    if not sw.front_ids:
        if len(tables) != 1:
            fail("a front table for an empty front")
        print("check_report: md ok (empty front)")
        return
    if len(tables) != 2:
        fail("%d tables, expected the totals and the front" % len(tables))
    head = md_cells(tables[1][0])
    rows = [md_cells(line) for line in tables[1][2:]]
    if [int(r[0]) for r in rows] != sw.front_ids:
        fail("front ids %s, expected %s" % ([r[0] for r in rows], sw.front_ids))
    by_id = {int(r["id"]): r for r in sw.rows}
    kinds = {p: v.get("type") for p, v in sw.spec["parameters"].items()}
    for r in rows:
        cell = dict(zip(head, r))
        for p in sw.params:
            want = by_id[int(r[0])][p]
            got = cell.get(p)
            if kinds[p] == "float":
                ok = got is not None and math.isclose(float(got), float(want), rel_tol=1e-5)
            else:
                ok = got == want
            if not ok:
                fail("trial %s: %s = %r, expected %r" % (r[0], p, got, want))
        if not math.isclose(float(cell["joules"]), float(by_id[int(r[0])]["energy_j"]), rel_tol=1e-5):
            fail("trial %s: joules %s" % (r[0], cell["joules"]))
    print("check_report: md ok (%d front rows)" % len(rows))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "page":
        check_page(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "pixels":
        check_pixels(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "md":
        check_md(sys.argv[2], sys.argv[3])
    else:
        fail("usage: check_report.py page DIR | pixels DIR PNG | md DIR FILE")


main()
