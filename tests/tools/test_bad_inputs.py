"""Bad configs and data give clear messages before anything runs."""
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mssl_plugin  # noqa: F401
from tests.helpers import DEMO_CONFIG, run_tool


@pytest.mark.parametrize('make_root,message', [
    (lambda p: p / 'missing', 'does not exist'),
    (lambda p: (p / 'empty').mkdir() or p / 'empty', 'is empty'),
])
def test_missing_or_empty_data_root(tmp_path, make_root, message):
    root = make_root(tmp_path)
    result = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', str(tmp_path / 'w'),
                       '--cfg-options', f'train_dataloader.dataset.data_root={root}'])
    assert result.returncode != 0
    assert f"training data root '{root}' {message}" in result.stderr
    assert 'train_dataloader.dataset.data_root' in result.stderr
    assert not (tmp_path / 'w').exists()


def test_config_missing_a_required_key():
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(DEMO_CONFIG).model
    cfg.pop('head')
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'head'"):
        MODELS.build(cfg)
    cfg = Config.fromfile(DEMO_CONFIG).model
    cfg.head = None
    with pytest.raises(ValueError, match='MatrixSSL needs a neck .* and a head'):
        MODELS.build(cfg)


def test_unknown_loss_type_in_a_config():
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(DEMO_CONFIG).model
    cfg.head.loss.type = 'MatrixSSLosss'
    with pytest.raises(KeyError, match='MatrixSSLosss is not in the mmpretrain::model registry'):
        MODELS.build(cfg)


def test_demo_data_never_overwrites_a_foreign_folder(tmp_path):
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'mine' / 'notes.txt').write_text('keep me')
    result = run_tool(['tools/make_demo_data.py', '--out', str(tmp_path / 'mine'),
                       '--coco-out', ''])
    assert result.returncode != 0 and 'was not written by this tool' in result.stderr
    assert (tmp_path / 'mine' / 'notes.txt').read_text() == 'keep me'


@pytest.fixture
def bad_checkpoints(tmp_path):
    import torch
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(256, 256))), good)
    data = good.read_bytes()
    files = {'truncated': data[:len(data) // 2], 'empty': b'', 'random': b'\x13\x37' * 500}
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f'{name}.pth'
        paths[name].write_bytes(content)
    return paths


@pytest.mark.parametrize('kind, expected', [
    ('truncated', 'is truncated or damaged'), ('empty', 'is empty (0 bytes)'),
    ('random', 'is not a torch checkpoint')])
def test_extractor_answers_bad_files_in_one_line(bad_checkpoints, tmp_path, kind, expected):
    result = run_tool(['tools/model_converters/extract_backbone_weights.py',
                       str(bad_checkpoints[kind]), str(tmp_path / 'out.pth')])
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr and 'weights_only=False' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(bad_checkpoints[kind]) in last and expected in last


def test_knn_eval_keeps_the_results_it_has_when_one_checkpoint_is_bad(bad_checkpoints,
                                                                      tmp_path):
    import json
    root = tmp_path / 'digits'
    from tests.helpers import make_demo_data
    make_demo_data(root)
    out = tmp_path / 'knn.json'
    options = ['--cfg-options', f'knn_eval.train_dataset.data_root={root}',
               f'knn_eval.val_dataset.data_root={root}', 'knn_eval.train_dataset.indices=64',
               'knn_eval.val_dataset.indices=32']
    # CONFIG --random-init CKPT: the checkpoint may follow the flag
    result = run_tool(['tools/knn_eval.py', DEMO_CONFIG, '--random-init',
                       str(bad_checkpoints['truncated']), '--out', str(out), *options])
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    assert str(bad_checkpoints['truncated']) in result.stderr.strip().splitlines()[-1]
    rows = json.loads(out.read_text())
    assert rows[0]['model'] == 'random init' and 0 <= rows[0]['knn_top1'] <= 100
    assert 'truncated' in rows[1]['error']
