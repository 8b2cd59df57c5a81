"""Is the raw-pixel floor of the quality study a fair bar? Its variants, measured.

    .venv/bin/python benchmarks/pixel_floor_variants.py [--study fashion-mnist-48k]
        [--dims 64 192 256] [--runs matrix-ssl_c0_s0 ...] [--out FILE.json]

The study (``quality_bench.py``) reads the pixels as it reads a network: the flattened
784 values, kNN on their cosine, a linear probe on standardised values. Two objections a
reader may raise, each answered with a number on the study's own bank and splits:

* **Width**: the pixels have 784 dimensions, the ResNet's features 256 and the ViT's 128.
  The pixels' PCA (fit on the bank's images, no labels) to ``--dims`` dimensions is read
  with the same kNN and linear probe.
* **Centring**: the cosine kNN of uncentred vectors is dominated by their common mean.
  Both the pixels and the recorded runs named in ``--runs`` (their last checkpoint; the
  study's work dir) are read by kNN with and without subtracting the bank's mean. The
  linear probe standardises its input, so centring does not change it.

Nothing is trained. The pixels are read on the held-out and test splits, like the study's
floors; the runs on the held-out split only (the study reads the test split once, for the
selected configurations). Writes ``--out`` (JSON) and prints a table.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import quality_bench  # noqa: E402
from quality_bench import knn_readout, linear_readout  # noqa: E402

SPLITS = ('heldout', 'test')


def measure(study, dims, runs):
    import torch
    from sklearn.decomposition import PCA

    from mssl_plugin.analysis import embed_pixels
    recorded = {run: study.runs.get(run) for run in runs}
    for run, row in recorded.items():
        if row is None or row.get('failed'):
            raise SystemExit(f'{run} is not a recorded run of {study.results_path}: name one '
                             f'of {sorted(k for k in study.runs if not k.startswith("floor"))}')
    data = study.datasets()
    pixels = {split: embed_pixels(data[split], normalize=False) for split in ('bank',) + SPLITS}
    rows = []
    for split in SPLITS:
        rows.append(dict(features='raw pixels', dims=pixels['bank'][0].shape[1], split=split,
                         knn=knn_readout(pixels, split, cosine=True),
                         knn_centred=knn_readout(pixels, split, cosine=True, centre=True),
                         linear=linear_readout(pixels, split)))
    for dim in dims:
        pca = PCA(dim, random_state=0).fit(pixels['bank'][0].numpy())
        reduced = {name: (torch.from_numpy(pca.transform(x.numpy())).float(), y)
                   for name, (x, y) in pixels.items()}
        for split in SPLITS:  # PCA output is centred already
            rows.append(dict(features=f'pixels, PCA {dim}', dims=dim, split=split,
                             knn_centred=knn_readout(reduced, split, cosine=True),
                             linear=linear_readout(reduced, split)))
    for run, row in recorded.items():
        epoch, checkpoint = study.checkpoints(row['work_dir'])[-1]
        model = study.model(study.config(study.config_path(row['method'])), checkpoint)
        features = study.embed(model, ('bank', 'heldout'), normalize=False)
        rows.append(dict(features=f'{run} (epoch {epoch})', dims=features['bank'][0].shape[1],
                         split='heldout', knn=knn_readout(features, 'heldout', cosine=True),
                         knn_centred=knn_readout(features, 'heldout', cosine=True, centre=True)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--study', default=quality_bench.DEFAULT_STUDY,
                        choices=sorted(quality_bench.STUDIES))
    parser.add_argument('--out-dir', help='the study\'s work dir (default: quality_bench\'s)')
    parser.add_argument('--dims', type=int, nargs='*', default=[64, 192, 256])
    parser.add_argument('--runs', nargs='*', default=[],
                        help='recorded runs whose checkpoints are still in the work dir')
    parser.add_argument('--out', help='JSON file for the rows')
    args = parser.parse_args(argv)
    out_dir = args.out_dir or osp.join(quality_bench.REPO, 'work_dirs', 'quality_bench',
                                       args.study)
    rows = measure(quality_bench.Study(out_dir, study=args.study), args.dims, args.runs)
    print(f'{"features":<34}{"dims":>5}  {"split":<8}{"kNN":>7}{"kNN centred":>13}'
          f'{"linear":>8}')
    for row in rows:
        print(f'{row["features"]:<34}{row["dims"]:>5}  {row["split"]:<8}'
              f'{row.get("knn", "-"):>7}{row["knn_centred"]:>13}{row.get("linear", "-"):>8}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(study=args.study, rows=rows), f, indent=1)
    return rows


if __name__ == '__main__':
    main()
