#!/bin/sh
# report.html and `ecosweep report` (DESIGN.md §2, §6): the page every
# sweep leaves is self-contained and shows every trial, the front and the
# hypervolume where an independent recomputation (check_report.py) puts
# them; that is checked on the pixels of a headless Chromium screenshot,
# for 1, 2 and 3 objectives. Then `report` rebuilds the same page from the
# journal, --format md, an empty front, an unfinished sweep, and errors.
# Needs chromium and python3-pil (CI installs them; so does `make test`).
. "$(dirname "$0")/common.inc"
cd "$TMP" || exit 1
CHECK="$HERE/check_report.py"

# check_out NAME CMD...: like check, but shows the command's last words on failure.
check_out() {
  name=$1
  shift
  if out=$("$@" 2>&1); then
    pass "$name"
  else
    fail "$name" "$(printf '%s\n' "$out" | tail -1)"
    printf '%s\n' "$out" | tail -5 | sed 's/^/# /'
  fi
}

CHROMIUM=$(command -v chromium || command -v chromium-browser)
HAVE_BROWSER=1
if [ -z "$CHROMIUM" ] || ! $PY -c 'import PIL' 2>/dev/null; then
  HAVE_BROWSER=0
  fail "headless browser" "chromium or python3-pil missing: apt-get install chromium python3-pil"
fi

# shoot DIR PNG: render DIR/report.html as a 1200 px wide page at scale 1.
shoot() {
  [ "$HAVE_BROWSER" = 1 ] || return 1
  rm -f "$2"
  timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --no-first-run --disable-extensions --disable-background-networking --disable-dev-shm-usage \
    --user-data-dir="$TMP/chromium" \
    --window-size=1200,4000 --screenshot="$2" "file://$TMP/$1/report.html" >"$TMP/chromium.log" 2>&1
  test -s "$2"
}

# browser_checks DIR LABEL: the screenshot and its pixels.
browser_checks() {
  if [ "$HAVE_BROWSER" = 1 ]; then
    if shoot "$1" "$1.png"; then
      pass "$2: headless Chromium renders report.html"
    else
      fail "$2: headless Chromium renders report.html" "no screenshot; its log ends:"
      grep -v dbus "$TMP/chromium.log" | tail -5 | sed 's/^/# /'
    fi
    check_out "$2: pixels at every mark's computed centre: front, dominated, hypervolume colours" \
      $PY "$CHECK" pixels "$1" "$1.png"
  else
    fail "$2: pixels" "no headless browser: apt-get install chromium python3-pil"
  fi
}

# A trial whose objectives follow its parameters: score = x; cost = y;
# energy_j (reported) = 10 + 1000 x^2 (1 + 3 y), so y only costs joules
# and some trials are dominated. Trial 3 fails.
cat > toy.sh <<'T'
#!/bin/sh
[ "$3" = 3 ] && exit 3
e=$(awk "BEGIN{printf \"%.6f\", 10 + 1000 * $1 * $1 * (1 + 3 * $2)}")
printf '{"step": 1, "metrics": {"score": %s, "cost": %s, "energy_j": %s}}\n' "$1" "$2" "$e" >&3
read -r reply <&3
exit 0
T
chmod +x toy.sh
cat > two.json <<'J'
{"name": "toy <&\"'|>", "command": ["./toy.sh", "{x}", "{y}", "{trial_id}", "{tag}"],
 "parameters": {"x": {"type": "float", "low": 0.05, "high": 1},
                "y": {"type": "float", "low": 0, "high": 1},
                "tag": {"type": "categorical", "values": ["<b>&\"x|y", "plain"]}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "meters": ["reported"], "budget": {"trials": 24}, "workers": {"count": 4}, "seed": 3}
J

# --- two objectives: the page a sweep leaves --------------------------------
"$ES" run two.json -o two --quiet >run.log 2>&1
check "2 objectives: sweep exits 0" [ $? -eq 0 ]
check "the sweep writes report.html" test -s two/report.html
check "no temporary file is left" test ! -e two/report.html.tmp
check_out "2 objectives: page: self-contained, every plotted trial at its computed position with data-trial, staircase, hypervolume, front table, escaped parameters" \
  $PY "$CHECK" page two
browser_checks two "2 objectives"

# --- the report command ----------------------------------------------------
"$ES" report two -o copy.html >out.txt 2>err.txt
check "report -o FILE exits 0" [ $? -eq 0 ]
check "report rebuilds the sweep's page byte for byte from the journal" cmp copy.html two/report.html
check "report -o FILE prints where the page went" grep -qx copy.html out.txt
rm two/report.html
check "report DIR writes DIR/report.html" sh -c "'$ES' report two >/dev/null && cmp copy.html two/report.html"
"$ES" report two --format md >md.txt 2>err.txt
check "report --format md exits 0" [ $? -eq 0 ]
check_out "report --format md: the totals and the front as markdown tables, cells escaped" $PY "$CHECK" md two md.txt
check "md: a | inside a parameter value is escaped" grep -qF '\<b\>\&"x\|y' md.txt
check "report --format md -o FILE writes FILE" sh -c "'$ES' report two --format md -o md2.txt >/dev/null && cmp md.txt md2.txt"
check "report -o - prints the page" sh -c "'$ES' report two -o - | cmp - copy.html"

mkdir -p empty
"$ES" report empty >out.txt 2>err.txt
check "report on a directory without a journal exits 1" [ $? -eq 1 ]
check "... with one line ecosweep: DIR: ..." sh -c "[ \$(wc -l <err.txt) -eq 1 ] && grep -q '^ecosweep: empty: .*journal' err.txt"
"$ES" report two --format pdf 2>err.txt
check "report --format pdf exits 2" [ $? -eq 2 ]
"$ES" report 2>err.txt
check "report without DIR exits 2" [ $? -eq 2 ]
"$ES" report two extra 2>err.txt
check "report with two directories exits 2" [ $? -eq 2 ]
check "--help lists report" sh -c "'$ES' --help | grep -q '^  report DIR'"

# --- an unfinished sweep (no finish event) ------------------------------------
mkdir -p unfinished
grep -v '"event":"finish"' two/journal.jsonl > unfinished/journal.jsonl
check "report on an unfinished sweep exits 0" sh -c "'$ES' report unfinished >/dev/null"
check "... and says it has not finished" grep -q 'has not finished' unfinished/report.html

# --- three objectives: pairwise planes ------------------------------------------
sed -e 's/"objectives": \[/"objectives": [{"metric": "cost", "goal": "min"}, /' -e 's/"name": "toy[^,]*,/"name": "three",/' \
  two.json > three.json
"$ES" run three.json -o three --quiet >run.log 2>&1
check "3 objectives: sweep exits 0" [ $? -eq 0 ]
check_out "3 objectives: page with the 3 pairwise planes, marks at their computed positions" $PY "$CHECK" page three
browser_checks three "3 objectives"

# --- one objective: that metric against joules -----------------------------------
sed -e 's/, {"metric": "energy_j", "goal": "min"}//' -e 's/"name": "toy[^,]*,/"name": "one",/' two.json > one.json
"$ES" run one.json -o one --quiet >run.log 2>&1
check "1 objective: sweep exits 0" [ $? -eq 0 ]
check_out "1 objective: page plots the metric against joules" $PY "$CHECK" page one
browser_checks one "1 objective"

# --- no trial on the front ------------------------------------------------------
cat > none.json <<'J'
{"command": ["sh", "-c", "exit 1"], "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
 "objectives": [{"metric": "score", "goal": "max"}, {"metric": "energy_j", "goal": "min"}],
 "budget": {"trials": 3}, "workers": {"count": 3}}
J
"$ES" run none.json -o none --quiet >/dev/null 2>&1
check "every trial failed: report.html is still written" test -s none/report.html
check "... and says no trial is on the front" grep -q 'No trial is on the front yet' none/report.html
check_out "... page is consistent" $PY "$CHECK" page none
"$ES" report none --format md >md.txt 2>&1
check_out "... md has the totals and no front table" $PY "$CHECK" md none md.txt

finish
