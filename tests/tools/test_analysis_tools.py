"""tools/analysis/spectrum.py, tools/analysis/plot_curves.py and tools/knn_eval.py."""
import json
import random
import os
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mssl_plugin  # noqa: F401
from mssl_plugin import functional as F
from mssl_plugin.analysis import knn_top1
from tests.helpers import DEMO_CONFIG, REPO, make_demo_data, run_tool

sys.path.insert(0, os.path.join(REPO, 'tools'))
sys.path.insert(0, os.path.join(REPO, 'tools', 'analysis'))
import knn_eval  # noqa: E402
import plot_curves  # noqa: E402
import spectrum  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp('demo')
    data = make_demo_data(root / 'demo_digits')
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    torch.manual_seed(1)
    model = MODELS.build(Config.fromfile(DEMO_CONFIG).model)
    checkpoint = root / 'pretrained.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    options = [f'knn_eval.{split}_dataset.data_root={data}' for split in ('train', 'val')]
    return root, checkpoint, options


def test_spectrum_png_and_json_match_functional(demo):
    root, checkpoint, options = demo
    out = root / 'spectrum'
    results = spectrum.main([DEMO_CONFIG, str(checkpoint), '--random-init', '--names', 'mine',
                             '--out-dir', str(out), '--lidar-views', '3', '--lidar-images', '64',
                             '--cfg-options', *options])
    png = out / 'spectrum.png'
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    saved = json.loads((out / 'spectrum.json').read_text())['results']
    assert set(saved) == {'random init', 'mine'}
    # recompute the embeddings independently and compare with the functional core
    from mmpretrain.registry import DATASETS
    from mssl_plugin.analysis import build_model_with_backbone, embed_dataset
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(dict(o.split('=', 1) for o in options))
    model = build_model_with_backbone(cfg, str(checkpoint))
    features, labels = embed_dataset(model, DATASETS.build(cfg.knn_eval.val_dataset),
                                     normalize=False, progress=False)
    assert features.shape == (359, 512) and labels.min() >= 0
    expected = float(F.effective_rank(F.covariance(features.double())))
    assert saved['mine']['effective_rank'] == pytest.approx(expected, rel=1e-6)
    assert results['mine']['effective_rank'] == saved['mine']['effective_rank']
    eigenvalues = torch.tensor(saved['mine']['eigenvalues'])
    assert torch.all(eigenvalues[:-1] >= eigenvalues[1:])
    assert float(eigenvalues.sum()) == pytest.approx(
        float(torch.trace(F.covariance(features.double()))), rel=1e-6)
    # the label-free signals: RankMe of the same embeddings, LiDAR of 64 images x 3 views
    assert saved['mine']['rankme'] == pytest.approx(float(F.rankme(features.double())), rel=1e-6)
    views = spectrum.lidar_dataset(cfg, cfg.knn_eval.val_dataset, 3, 64)
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    from mssl_plugin.analysis import embed_views
    embeddings = embed_views(model, views)
    assert embeddings.shape == (64, 3, 512)
    assert saved['mine']['lidar'] == pytest.approx(float(F.lidar(embeddings.double())), rel=1e-6)
    assert 1.0 <= saved['random init']['lidar'] <= 512


def test_knn_eval_is_sane_on_real_digits(demo):
    root, checkpoint, options = demo
    results = knn_eval.main([DEMO_CONFIG, str(checkpoint), '--random-init', '--raw-pixels',
                             '--out', str(root / 'knn.json'), '--cfg-options', *options])
    assert [r['model'] for r in results] == ['raw pixels (no network)', 'random init',
                                             str(checkpoint)]
    assert all(10.0 < r['knn_top1'] <= 100.0 for r in results)  # above chance (10 classes)
    assert json.loads((root / 'knn.json').read_text()) == results
    # the raw-pixel floor, recomputed from the image files: the number to beat (~97 %)
    from PIL import Image

    def pixels(split):
        lines = (root / 'demo_digits' / 'meta' / f'{split}.txt').read_text().split('\n')
        rows = [line.rsplit(' ', 1) for line in lines if line.strip()]
        images = [np.asarray(Image.open(root / 'demo_digits' / split / name).convert('RGB'))
                  for name, _ in rows]
        x = torch.tensor(np.stack(images), dtype=torch.float32).flatten(1)
        return (torch.nn.functional.normalize(x, dim=1),
                torch.tensor([int(label) for _, label in rows]))
    expected = knn_top1(*pixels('train'), *pixels('val'), k=20, temperature=0.07)
    assert results[0]['knn_top1'] == pytest.approx(expected, abs=1e-4) and expected > 90.0
    # a perfectly separable toy case: the voting itself
    train = torch.nn.functional.normalize(torch.eye(3), dim=1)
    assert knn_top1(train, torch.tensor([0, 1, 2]), train, torch.tensor([0, 1, 2]),
                    k=1, temperature=0.07) == 100.0


def test_plot_curves_from_a_real_log(tmp_path):
    run_dir = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    rows = [dict(loss=-0.1 * i, step=i, **({'erank/projector_v1': 3.0 + i} if i % 5 == 0 else {}))
            for i in range(1, 21)]
    (run_dir / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in rows))
    out = tmp_path / 'curves.png'
    plot_curves.main([str(tmp_path / 'work'), '--out', str(out)])
    assert out.stat().st_size > 5_000
    result = run_tool(['tools/analysis/plot_curves.py', str(tmp_path / 'work'), '--keys', 'nope',
                       '--out', str(tmp_path / 'x.png')])
    assert result.returncode != 0 and "none of the keys ['nope']" in result.stderr
