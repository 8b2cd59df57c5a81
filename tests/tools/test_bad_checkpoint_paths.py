"""Every path that reads a checkpoint answers a bad file with the plugin's one line.

Paths: ``load_from``, ``--resume FILE``, ``--resume`` through ``last_checkpoint``,
``tools/test.py``, the ``Pretrained`` initialiser, and mmdet's runner (a detection config
getting weights); files: truncated, empty, random bytes, a zip that is no checkpoint, a
checkpoint of the wrong type and one holding a code-running object. Each answer names
the file, what is wrong and what to do, ends the tool with exit code 1 and no traceback,
never advises ``weights_only=False``, and no code runs.
"""
import os
import zipfile

import pytest
import torch
from mmengine.config import Config

import mssl_plugin  # noqa: F401  (registers the checkpoint loader)
from mssl_plugin.cli import test as test_cli
from mssl_plugin.cli import train as train_cli
from mssl_plugin.engine import CheckpointFileError
from tests.helpers import REPO, TINY_CONFIG, make_demo_data, run_tool

pytestmark = pytest.mark.slow
LINEAR = os.path.join(REPO, 'configs/m_mae/benchmarks/vit-tiny-p4_1xb64-linear-coslr-10e_digits.py')
DETECTION = os.path.join(REPO,
                         'configs/matrix_ssl/benchmarks/mask-rcnn_r18_fpn_1xb4-80i_demo-coco.py')
# what each kind of file is answered with (a part of the line)
KINDS = {
    'truncated': 'is truncated or damaged',
    'empty': 'is empty (0 bytes)',
    'random': 'is not a torch checkpoint',
    'foreign-zip': 'is a zip archive but not a torch checkpoint',
    'wrong-type': 'holds a list, not a checkpoint',
    'code-running': 'holds objects that safe loading refuses',
}


class _TouchesAFile:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


@pytest.fixture(scope='module')
def bad(tmp_path_factory):
    """``(paths by kind, marker)``: the marker file exists if any loading ran code."""
    folder = tmp_path_factory.mktemp('bad_checkpoints')
    marker = folder / 'code-ran'
    good = folder / 'good.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(256, 256)), meta=dict()), good)
    paths = {kind: folder / f'{kind}.pth' for kind in KINDS}
    paths['truncated'].write_bytes(good.read_bytes()[:good.stat().st_size // 2])
    paths['empty'].write_bytes(b'')
    paths['random'].write_bytes(b'\x13\x37' * 500)
    with zipfile.ZipFile(paths['foreign-zip'], 'w') as archive:
        archive.writestr('readme.txt', 'not a checkpoint')
    torch.save([torch.ones(2)], paths['wrong-type'])
    torch.save(dict(state_dict=dict(w=torch.ones(2)), meta=_TouchesAFile(marker)),
               paths['code-running'])
    yield paths, marker
    assert not marker.exists(), 'loading a checkpoint ran code'


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('data')
    return make_demo_data(root / 'demo_digits', root / 'demo_coco')


def train_options(data):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={data}',
            'train_dataloader.dataset.indices=32', 'train_dataloader.batch_size=16',
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False']


def one_line(main, argv, path, expected):
    """Run a tool's ``main`` in this process; return its one ``error:`` line."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    line = str(stop.value.code)  # sys.exit(text): text on stderr, exit code 1
    assert line.startswith('error: ') and '\n' not in line, line
    assert str(path) in line and expected in line, line
    assert 'weights_only=False' not in line
    return line


def train_argv(tmp_path, data, *extra):
    return [TINY_CONFIG, '--work-dir', str(tmp_path / 'work'), *train_options(data), *extra]


@pytest.mark.parametrize('kind', KINDS)
def test_train_paths_answer_in_one_line(bad, data, tmp_path, kind):
    paths, _ = bad
    path, expected = paths[kind], KINDS[kind]
    one_line(train_cli.main, train_argv(tmp_path / 'load', data, f'load_from={path}'), path,
             expected)
    one_line(train_cli.main, train_argv(tmp_path / 'resume', data) + ['--resume', str(path)],
             path, expected)
    pretrained = ['model.backbone.init_cfg.type=Pretrained',
                  f'model.backbone.init_cfg.checkpoint={path}']
    one_line(train_cli.main, train_argv(tmp_path / 'init', data, *pretrained), path, expected)
    # --resume without a file: last_checkpoint names the bad one and nothing else is there
    (tmp_path / 'last' / 'work').mkdir(parents=True)
    (tmp_path / 'last' / 'work' / 'last_checkpoint').write_text(str(path))
    line = one_line(train_cli.main, train_argv(tmp_path / 'last', data) + ['--resume'], path,
                    expected)
    if kind not in ('wrong-type', 'code-running'):  # refused before loading: a fallback
        assert 'no other complete checkpoint' in line


@pytest.mark.parametrize('kind', KINDS)
def test_test_tool_answers_in_one_line(bad, data, tmp_path, kind):
    paths, _ = bad
    one_line(test_cli.main,
             [LINEAR, str(paths[kind]), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
              f'test_dataloader.dataset.data_root={data}', 'test_dataloader.num_workers=0',
              'model.backbone.init_cfg=None'], paths[kind], KINDS[kind])


def test_verbose_shows_the_traceback(bad, data, tmp_path, monkeypatch):
    # --verbose exports MSSL_PLUGIN_VERBOSE=1 (for the runner's code paths); restored after
    monkeypatch.setenv('MSSL_PLUGIN_VERBOSE', '')
    path = bad[0]['code-running']
    with pytest.raises(CheckpointFileError, match='safe loading refuses'):
        train_cli.main(train_argv(tmp_path, data, f'load_from={path}') + ['--verbose'])


def test_mmdet_runner_reads_through_the_one_loader(bad, data, tmp_path):
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    paths, _ = bad
    cfg = Config.fromfile(DETECTION)
    cfg.work_dir = str(tmp_path / 'det')
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmdet')
    runner = Runner.from_cfg(cfg)
    for kind, expected in KINDS.items():
        with pytest.raises(CheckpointFileError) as error:
            runner.load_checkpoint(str(paths[kind]))
        assert str(paths[kind]) in str(error.value) and expected in str(error.value)
        assert 'weights_only=False' not in str(error.value)


def process_answers_in_one_line(result, path, expected):
    assert result.returncode == 1, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr and 'weights_only=False' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and str(path) in last and expected in last, last


def test_tools_end_the_process_with_one_line(bad, data, tmp_path):
    """Exit code and screen of whole processes: the plugin's tools/train.py, and mmdet's
    own tools/train.py, where the plugin owns no ``main`` (a detection config's weights).
    Both forked from the warm server, which has not imported the plugin: the config's
    ``custom_imports`` bring it in, as in a fresh interpreter."""
    import mmdet
    paths, _ = bad
    path = paths['code-running']
    ours = run_tool(['tools/train.py', TINY_CONFIG, '--work-dir', str(tmp_path / 'ours'),
                     *train_options(data), f'load_from={path}'])
    process_answers_in_one_line(ours, path, KINDS['code-running'])
    coco = data.parent / 'demo_coco'
    mmdet_train = os.path.join(os.path.dirname(mmdet.__file__), '.mim', 'tools', 'train.py')
    # the backbone's Pretrained init, as tools/benchmarks/mmdetection/dist_train.sh sets it
    result = run_tool([mmdet_train, DETECTION, '--work-dir', str(tmp_path / 'det'),
                       '--cfg-options', f'train_dataloader.dataset.data_root={coco}/',
                       f'val_dataloader.dataset.data_root={coco}/',
                       f'val_evaluator.ann_file={coco}/annotations/instances_val.json',
                       f'model.backbone.init_cfg.checkpoint={path}'])
    process_answers_in_one_line(result, path, KINDS['code-running'])
