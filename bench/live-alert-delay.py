import os, sys, time, glob, re, datetime, json, urllib.request, threading
src, dst, rate, api = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
files = [f for f in glob.glob(src + '/var/log/pods/*/*/*.log*') if not f.endswith('.gz')]
lines = []
for f in files:
    rel = os.path.relpath(f, src)
    base = rel.split('.log')[0] + '.log'
    with open(f) as fh:
        for l in fh:
            lines.append((l[:35], base, l))
lines.sort(key=lambda x: x[0])
TS = re.compile(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z')
state = {'uc': None, 'alert': None}
def poll():
    while state['alert'] is None:
        try:
            body = urllib.request.urlopen(api + '/api/v1/alerts?status=firing', timeout=3).read().decode()
            if '"UC"' in body and state['uc'] is not None:
                state['alert'] = time.time()
                print("UC alert firing at %s, %.1f s after the first UC line" % (time.strftime('%H:%M:%S'), state['alert'] - state['uc']), flush=True)
                for a in json.loads(body).get('alerts', []) if body.strip().startswith('{') else json.loads(body):
                    if a.get('failureClass') == 'UC':
                        o = a.get('observed') or {}
                        print("  detectedAt %s, observed %s-%s, %s of %s calls failed" % (a.get('detectedAt'),
                              o.get('windowStart'), o.get('windowEnd'), o.get('failures'), o.get('requests')), flush=True)
        except Exception as e:
            pass
        time.sleep(1)
threading.Thread(target=poll, daemon=True).start()
handles = {}
t0 = time.time()
for i, (_, base, l) in enumerate(lines):
    p = os.path.join(dst, base)
    h = handles.get(p)
    if h is None:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        h = handles[p] = open(p, 'a')
    now = datetime.datetime.now(datetime.timezone.utc)
    nl = TS.sub(lambda m: now.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ' % (now.microsecond // 1000), l)
    if ' UC ' in l and 'payments' in l and state['uc'] is None:
        for x in handles.values(): x.flush()
        state['uc'] = time.time()
        print("first UC line written at", datetime.datetime.now(datetime.timezone.utc).strftime('%H:%M:%S.%f')[:-3], flush=True)
    h.write(nl)
    if i % 20 == 0:
        for x in handles.values(): x.flush()
        d = t0 + i / rate - time.time()
        if d > 0: time.sleep(d)
    if state['alert'] is not None and i > 0: break
for x in handles.values(): x.close()
print("stopped after", i, "lines,", round(time.time() - t0, 1), "s", flush=True)
