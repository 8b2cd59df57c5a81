"""Issue 27's targets judged from a quality study's summary, and the measured reason where
one is missed.

The targets, for each plugin method (Matrix-SSL, M-MAE) at its selected config:

1. **raw pixels**: its mean over seeds beats the raw-pixel floor on the test split, on the
   kNN and on the linear read-out;
2. **random init**: it beats the same network at random init (mean over the floor's seeds)
   on both read-outs of the test split;
3. **family**: it beats every baseline of its family on the held-out split by more than
   the seed spread, read here as *mean - std of the method > mean + std of the baseline*
   (the one-standard-deviation bands over seeds do not overlap), per read-out. A weaker
   reading (the gap larger than either method's own std) is named in the text, not met:
   with 3 seeds neither is a significance test, and the strict one is the one a skeptical
   reader applies.

A target whose split is not read yet, or read for only some of the seeds (or whose runs
lack their seeds) is ``pending``, never met. Where target 1 is missed, the reason is
measured on the held-out curve (mean over seeds along the schedule): the gain per epoch
over its last interval, and the epoch at which a line through the last two read-outs would
reach the pixels' held-out read-out (``never`` when the curve is flat or falling). Under
the studies' cosine schedule the learning rate anneals to zero over that last interval, so
the rate describes this schedule, not what a longer one would add: read it with the
curve's earlier intervals and with the other study (10k against 48k images), the second
measured point.

Input: ``quality_bench.Study.summary``; pure Python, no torch.
"""
from statistics import mean, stdev

READOUTS = ('knn', 'linear')
READOUT_NAMES = dict(knn='kNN', linear='linear')


def spread(values):
    """Standard deviation over seeds; 0 for a single value."""
    return stdev(values) if len(values) > 1 else 0.0


def floor_readouts(floor, split):
    """A floor row's read-outs of ``split`` as a list: one for the pixels, one per seed
    for random init, none if the split is not read yet."""
    values = floor.get(split, [])
    return values if isinstance(values, list) else [values]


def floor_mean(floor, split, readout):
    """A floor's mean read-out on ``split``, or None if the split is not read."""
    values = floor_readouts(floor, split)
    return mean(v[readout] for v in values) if values else None


def curve_means(entry, readout):
    """[(epoch, mean over seeds)] of the selected config's held-out read-outs, by epoch."""
    return sorted((int(epoch), mean(v[readout] for v in values))
                  for epoch, values in entry['curve'].items())


def crossing_epoch(points, target):
    """The epoch at which the line through the last two points of ``points`` reaches
    ``target``: the last epoch if it is already there, None if the curve is flat or
    falling (it never does at that rate) or has a single point."""
    (last_epoch, last), previous = points[-1], points[-2] if len(points) > 1 else None
    if last >= target:
        return last_epoch
    if previous is None or last <= previous[1]:
        return None
    slope = (last - previous[1]) / (last_epoch - previous[0])
    return last_epoch + (target - last) / slope


def judge_floor(entry, floor, split, name):
    """Target 1 or 2 for one method: (status, text)."""
    values = {r: entry[f'{split}_{r}'] for r in READOUTS}
    floors = {r: floor_mean(floor, split, r) for r in READOUTS}
    if any(floors[r] is None for r in READOUTS):
        return 'pending', f'{name} not read on the {split} split yet'
    if not all(values.values()):
        return 'pending', f'the runs are not read on the {split} split yet'
    seeds = len(entry['heldout_knn'])
    if any(len(values[r]) < seeds for r in READOUTS):
        return 'pending', (f'{min(len(v) for v in values.values())} of the {seeds} seeds '
                           f'read on the {split} split so far')
    parts, met = [], True
    for readout in READOUTS:
        gap = mean(values[readout]) - floors[readout]
        met &= gap > 0
        parts.append(f'{READOUT_NAMES[readout]} {mean(values[readout]):.2f} vs '
                     f'{floors[readout]:.2f} ({gap:+.2f}, n={len(values[readout])})')
    return ('met' if met else 'missed'), '; '.join(parts)


def judge_family(method, summary, families):
    """Target 3: (status, text) against every other method of ``method``'s family."""
    entry = summary['methods'][method]
    rivals = [m for m, family in families.items()
              if family == families[method] and m != method]
    seeds = len(entry['heldout_knn'])
    if seeds < 2 or any(len(summary['methods'][m]['heldout_knn']) < 2 for m in rivals):
        return 'pending', 'fewer than 2 seeds for some method of the family'
    parts, met = [], True
    for rival in rivals:
        other = summary['methods'][rival]
        for readout in READOUTS:
            mine, theirs = entry[f'heldout_{readout}'], other[f'heldout_{readout}']
            gap = mean(mine) - mean(theirs)
            apart = gap > spread(mine) + spread(theirs)
            met &= apart
            above_each = gap > max(spread(mine), spread(theirs))
            behind = -gap > spread(mine) + spread(theirs)
            how = ('apart' if apart else
                   'bands touch, gap above each spread' if above_each else
                   'inside the spread' if gap > 0 else
                   'behind it, bands apart' if behind else 'behind it, inside the spread')
            parts.append(f'{READOUT_NAMES[readout]} vs {rival} {mean(mine):.2f} +- '
                         f'{spread(mine):.2f} / {mean(theirs):.2f} +- {spread(theirs):.2f} '
                         f'({how})')
    return ('met' if met else 'missed'), '; '.join(parts)


def pixel_reason(entry, floor):
    """Why target 1 is missed, measured on the held-out curve."""
    parts = []
    for readout in READOUTS:
        points = curve_means(entry, readout)
        target = floor_mean(floor, 'heldout', readout)
        if target is None or not points:
            continue
        text = f'{READOUT_NAMES[readout]} {points[-1][1]:.2f} at epoch {points[-1][0]}'
        if len(points) > 1:
            gain = (points[-1][1] - points[-2][1]) / (points[-1][0] - points[-2][0])
            text += f' ({gain:+.2f} per epoch since epoch {points[-2][0]})'
        cross = crossing_epoch(points, target)
        if points[-1][1] >= target:
            text += f', already above the pixels\' {target:.2f} on this split'
        elif cross is None:
            text += f', never reaches the pixels\' {target:.2f} at that rate'
        else:
            text += f', reaches the pixels\' {target:.2f} at epoch {cross:.0f} at that rate'
        parts.append(text)
    return 'held-out curve (mean over seeds): ' + '; '.join(parts)


def verdicts(summary, families, methods):
    """One dict per (method, target) for ``methods`` (the plugin methods): method, target,
    status ('met' / 'missed' / 'pending'), text. ``families``: every method -> family;
    floors in ``summary['floors']`` keyed ``floor_pixels`` and ``floor_random_<family>``."""
    floors = summary['floors']
    rows = []
    for method in methods:
        entry = summary['methods'][method]
        pixels = floors.get('floor_pixels', {})
        status, text = judge_floor(entry, pixels, 'test', 'the raw-pixel floor')
        if status == 'missed':
            text += '. ' + pixel_reason(entry, pixels)
        rows.append(dict(method=method, target='beats raw pixels (test)', status=status,
                         text=text))
        random_init = floors.get(f'floor_random_{families[method]}', {})
        status, text = judge_floor(entry, random_init, 'test', 'the random-init floor')
        rows.append(dict(method=method, target='beats random init (test)', status=status,
                         text=text))
        status, text = judge_family(method, summary, families)
        rows.append(dict(method=method, target='beats its family by more than the seed '
                         'spread (held-out)', status=status, text=text))
    return rows


def format_verdicts(rows):
    """Markdown list, one line per verdict."""
    return '\n'.join(f'- **{r["method"]}**, {r["target"]}: **{r["status"]}**: {r["text"]}'
                     for r in rows)
