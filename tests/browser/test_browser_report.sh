#!/usr/bin/env bash
# test_browser_report.sh - the HTML report of hostile data in headless Chromium
# SPDX-License-Identifier: MIT
#
# Renders tests/data/hostile through the real services (`devpulse report
# --format md,json,html` against gh-standin), serves the site with dp-static
# on 127.0.0.1 and opens it in Debian's headless Chromium:
#
# - Screenshots of the report page and the indexes at 390x900 (kept in
#   build/browser/ to look at).
# - What runs: the hostile data carries <script>, onerror= and javascript:
#   payloads that would set parent.document.body.dataset.pwned. A probe page
#   that the test writes (it is no part of the site and the only page with a
#   script) loads each page in a 390-pixel iframe from the same origin and,
#   once it has loaded, writes into its own DOM: the number of <script>
#   elements, on* attributes and javascript: URLs in the page's DOM, every
#   tag name it has, whether anything set the pwned marker, and the page's
#   document scrollWidth. Chromium's --dump-dom prints that DOM. Measuring
#   in the browser is the sound way to prove the layout fits: the report
#   pages themselves allow no script (their CSP is default-src 'none'), and
#   a screenshot only shows the viewport, not what overflows it.
# - The served bytes: no tag from the data (<script, <img, <svg, <iframe)
#   and no javascript: in any attribute, outside the page's own chart.
# - The chart (an inline <svg> of the window's counts and the 12 hours
#   before it; in the repository index, of the two reports written) is
#   there, with its five lines of as many points as windows, and is drawn
#   with a size. The first heading's emoji is drawn in colour (it is drawn
#   on a canvas with the heading's fonts, black: without a colour emoji
#   font it comes out as a grey outline or a box).
#
# Chromium runs with a fresh profile and without any network service,
# because this machine has no network. Exit 77 (skipped) without chromium.
set -u
. "$DP_SOURCE_DIR/tests/e2e/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (Debian: apt-get install chromium;" \
        "scripts/deps.sh installs it)"
    exit 77
fi

SHOTS=${DP_BROWSER_SHOTS:-$DP_BIN_DIR/../browser}
mkdir -p "$SHOTS"

# chromium_run ARGS... - headless Chromium with a fresh profile, no network
chromium_run() {
    local profile
    profile=$(mktemp -d "$E2E_TMP/profile.XXXXXX")
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-dev-shm-usage \
        --hide-scrollbars --user-data-dir="$profile" "$@" 2>>"$E2E_TMP/chromium.err"
}

# The hostile report, through the real executables.
DATA="$DP_SOURCE_DIR/tests/data/hostile"
e2e_standin hostile --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_RETRY_BASE_MS=20
unset REDIS_URL
site="$E2E_TMP/site"
"$DP_BIN_DIR/devpulse" report acme/hostile \
    --from 2025-12-10T17:00+08:00 --to 2025-12-10T18:00+08:00 \
    --out "$site" --format md,json,html >/dev/null 2>"$E2E_TMP/report0.err"
md=$("$DP_BIN_DIR/devpulse" report acme/hostile \
    --from 2025-12-10T18:00+08:00 --to 2025-12-10T19:00+08:00 \
    --out "$site" --format md,json,html 2>"$E2E_TMP/report.err")
check "devpulse report exits 0" [ -f "$md" ]
[ -f "$md" ] || { cat "$E2E_TMP/report.err"; e2e_finish; exit 1; }
base=$(basename "$md" .md)
page="acme/hostile/$base.html"
check "the HTML page, the repository index, the feed and the site index exist" \
    [ -s "$site/$page" -a -s "$site/acme/hostile/index.html" \
    -a -s "$site/acme/hostile/feed.xml" -a -s "$site/index.html" ]

# The probe, beside the site (not in it).
root="$E2E_TMP/root"
mkdir -p "$root"
ln -s "$site" "$root/site"
cat >"$root/probe.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>probe</title></head>
<body>
<pre id="result">pending</pre>
<iframe id="f" width="390" height="900" style="border:0"></iframe>
<script>
var frame = document.getElementById('f');
frame.addEventListener('load', function () {
    var out = [];
    try {
        var d = frame.contentDocument;
        var scripts = d.getElementsByTagName('script').length;
        var handlers = 0, jsurls = 0, tags = {};
        var all = d.getElementsByTagName('*');
        for (var i = 0; i < all.length; i++) {
            tags[all[i].tagName.toLowerCase()] = 1;
            for (var k = 0; k < all[i].attributes.length; k++) {
                var a = all[i].attributes[k];
                if (/^on/i.test(a.name)) handlers++;
                if (/^\s*(javascript|vbscript|data):/i.test(a.value)) jsurls++;
            }
        }
        out.push('scripts=' + scripts, 'handlers=' + handlers,
                 'jsurls=' + jsurls,
                 'pwned=' + (document.body.dataset.pwned ||
                             d.body.dataset.pwned || 'none'),
                 'width=' + d.documentElement.scrollWidth,
                 'viewport=' + d.documentElement.clientWidth,
                 'tags=' + Object.keys(tags).sort().join(','),
                 'text=' + d.body.textContent.length);
        var svg = d.querySelector('figure.chart svg');
        var series = svg ? svg.querySelectorAll('polyline.series') : [];
        var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        out.push('charts=' + d.querySelectorAll('svg').length,
                 'series=' + series.length,
                 'points=' + (series.length ?
                     series[0].getAttribute('points').trim().split(/\s+/).length : 0),
                 'chartw=' + Math.round(box.width),
                 'charth=' + Math.round(box.height));
        var h3 = d.querySelector('h3'), colour = 'none';
        if (h3) {
            var ch = Array.from(h3.textContent.trim())[0];
            var c = document.createElement('canvas');
            c.width = c.height = 48;
            var g = c.getContext('2d');
            g.font = '32px ' + getComputedStyle(h3).fontFamily;
            g.textBaseline = 'top';
            g.fillStyle = '#000';
            g.fillText(ch, 4, 4);
            var px = g.getImageData(0, 0, 48, 48).data;
            colour = 0;
            for (var p = 0; p < px.length; p += 4)
                if (px[p + 3] > 0 && (Math.abs(px[p] - px[p + 1]) > 40 ||
                                      Math.abs(px[p + 1] - px[p + 2]) > 40))
                    colour++;
        }
        out.push('emoji=' + colour);
    } catch (e) {
        out.push('error=' + e);
    }
    document.getElementById('result').textContent = out.join('\n');
});
frame.src = decodeURIComponent(location.hash.slice(1));
</script>
</body></html>
EOF

cmake_static="$DP_BIN_DIR/dp-static"
"$cmake_static" "$root" >"$E2E_TMP/static.out" 2>"$E2E_TMP/static.err" &
E2E_PIDS+=("$!")
for _ in $(seq 1 200); do
    BASE_URL=$(head -n 1 "$E2E_TMP/static.out" 2>/dev/null || true)
    [ -n "$BASE_URL" ] && break
    sleep 0.05
done
check "dp-static serves on 127.0.0.1" [ -n "$BASE_URL" ]
check "dp-static refuses paths out of its root" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$BASE_URL/site/../probe.html")" = 400 ]

# Tags that the pages may hold: the page's own and what cmark writes.
ALLOWED=" a blockquote body br code div em figure footer h1 h2 h3 head hr html li link main meta nav ol p polyline pre rect span strong style svg text title ul "

# measure WHAT URL - loads URL in the probe; sets RESULT for get()
measure() {
    local what=$1 url=$2 dom
    dom=$(chromium_run --virtual-time-budget=10000 --dump-dom \
        "$BASE_URL/probe.html#$url")
    printf '%s\n' "$dom" >"$E2E_TMP/probe.$what.html"
    RESULT=$(printf '%s\n' "$dom" | sed -n '/<pre id="result">/,/<\/pre>/p')
}
get() { printf '%s\n' "$RESULT" | sed -n "s/.*\\b$1=\\([^<]*\\).*/\\1/p" | head -n 1; }

# The probe is checked first on a page that does run a script, has an
# event handler and a javascript: link, and is 2,000 pixels wide: it must
# see all of that, or its silence about the reports would prove nothing.
cat >"$root/control.html" <<'EOF'
<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script>parent.document.body.dataset.pwned = 'control';</script>
<img src="data:," onerror="void 0"><a href="javascript:void(0)">x</a>
<div style="width:2000px">wide</div></body></html>
EOF
measure control /control.html
check "probe control: sees the script that ran (pwned=$(get pwned))" \
    [ "$(get pwned)" = control ]
check "probe control: counts <script>, on*, javascript: ($(get scripts) $(get handlers) $(get jsurls))" \
    [ "$(get scripts)" = 1 -a "$(get handlers)" = 1 -a "$(get jsurls)" = 2 ]
check "probe control: measures the overflow (scrollWidth $(get width))" \
    [ "$(get width)" -gt 390 ]

probe() {
    local what=$1 url=$2
    measure "$what" "$url"
    if [ -z "$(get scripts)" ]; then
        fail "$what: the probe measured nothing: $(printf '%s' "$RESULT" | head -c 300)"
        return
    fi
    check "$what: no <script> element in the DOM" [ "$(get scripts)" = 0 ]
    check "$what: no on* event handler attribute" [ "$(get handlers)" = 0 ]
    check "$what: no javascript:/data: URL in any attribute" [ "$(get jsurls)" = 0 ]
    check "$what: no hostile payload ran (pwned=$(get pwned))" [ "$(get pwned)" = none ]
    local width viewport
    width=$(get width)
    viewport=$(get viewport)
    check "$what: fits 390 px (scrollWidth $width, viewport $viewport)" \
        [ "$viewport" -le 390 -a "$width" -le 390 ]
    local bad="" tag
    for tag in $(get tags | tr ',' ' '); do
        case "$ALLOWED" in *" $tag "*) ;; *) bad="$bad $tag" ;; esac
    done
    check "$what: only the page's own tags (extra:${bad:- none})" [ -z "$bad" ]
    check "$what: the page has text ($(get text) characters)" [ "$(get text)" -gt 100 ]
}

probe report "/site/$page"
check "report: one chart, five lines of 13 points (the hour and the 12 before)" \
    [ "$(get charts)" = 1 -a "$(get series)" = 5 -a "$(get points)" = 13 ]
check "report: the chart is drawn, within 390 px ($(get chartw)x$(get charth))" \
    [ "$(get chartw)" -gt 0 -a "$(get chartw)" -le 390 -a "$(get charth)" -gt 0 ]
check "report: the first heading's emoji is drawn in colour ($(get emoji) pixels)" \
    [ "$(get emoji)" != none -a "$(get emoji)" -gt 50 ]
probe repo-index "/site/acme/hostile/index.html"
check "repository index: one chart, five lines of 2 points (two reports)" \
    [ "$(get charts)" = 1 -a "$(get series)" = 5 -a "$(get points)" = 2 ]
check "repository index: the chart is drawn ($(get chartw)x$(get charth))" \
    [ "$(get chartw)" -gt 0 -a "$(get charth)" -gt 0 ]
probe site-index "/site/index.html"

# The bytes as served.
for f in "$page" acme/hostile/index.html index.html; do
    # The page's own chart, one line, left out.
    body=$(curl -s "$BASE_URL/site/$f" | sed 's#<figure class="chart"[^>]*>.*</figure>##')
    check "$f: served as text/html" \
        [ "$(curl -s -o /dev/null -w '%{content_type}' "$BASE_URL/site/$f")" = "text/html; charset=utf-8" ]
    check "$f: no tag from the data" \
        bash -c '! printf "%s" "$1" | grep -Eiq "<(script|img|svg|iframe|object|embed|form|input|figure|rect|polyline|text)"' _ "$body"
    check "$f: no javascript: in an attribute" \
        bash -c '! printf "%s" "$1" | grep -Eio "(href|src)=\"[^\"]*\"" | grep -qi "javascript:"' _ "$body"
    check "$f: a CSP that allows no script" \
        bash -c 'printf "%s" "$1" | grep -qF "content=\"default-src '"'"'none'"'"';"' _ "$body"
done

# Screenshots at a phone's width.
shot() {
    local name=$1 url=$2 png="$SHOTS/$1.png"
    rm -f "$png"
    chromium_run --window-size=390,900 --screenshot="$png" "$url" >/dev/null
    # PNG: the IHDR width is the big-endian word at offset 16.
    local w
    w=$(od -An -tu1 -j16 -N4 "$png" 2>/dev/null | awk '{print $1*16777216+$2*65536+$3*256+$4}')
    check "screenshot of the $name is 390 px wide ($png)" [ "${w:-0}" = 390 ]
}
shot report "$BASE_URL/site/$page"
shot repo-index "$BASE_URL/site/acme/hostile/index.html"
shot site-index "$BASE_URL/site/index.html"

if [ "$E2E_FAILS" -ne 0 ]; then
    echo "--- chromium stderr (tail)"
    tail -n 20 "$E2E_TMP/chromium.err"
fi
e2e_finish
