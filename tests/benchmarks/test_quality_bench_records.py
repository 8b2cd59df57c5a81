"""benchmarks/quality_bench.py: a recorded run is reused only when the grid still declares it."""
import json
import os.path as osp
import sys

import pytest

from tests.helpers import REPO

sys.path.insert(0, f'{REPO}/benchmarks')
import quality_bench  # noqa: E402


def study_with(tmp_path, options):
    row = dict(id='u-mae_c0_s0', method='U-MAE', config=0, seed=0, failed=False,
               options=options, heldout={'8': dict(knn=1.0, linear=2.0)})
    (tmp_path / 'runs.jsonl').write_text(json.dumps(row) + '\n')
    return quality_bench.Study(str(tmp_path))


def test_a_recorded_run_under_renamed_fields_is_the_same_run(tmp_path):
    reg = quality_bench.REG
    study = study_with(tmp_path, {reg + 'reg': 'square', reg + 'lamb': 0.01})
    assert study.do_run('U-MAE', 0, 0, 1, 1)['heldout']['8']['knn'] == 1.0


def test_a_recorded_run_of_another_grid_entry_is_refused(tmp_path):
    study = study_with(tmp_path, {quality_bench.REG + 'loss_weight': 0.5})
    with pytest.raises(ValueError, match='u-mae_c0_s0 is recorded .* delete that run'):
        study.do_run('U-MAE', 0, 0, 1, 1)


def test_selection_reads_only_the_searched_entries(tmp_path):
    study = study_with(tmp_path, quality_bench.METHODS['U-MAE']['grid'][0])
    study.grid_size = 1
    assert study.selected('U-MAE') == 0
    study.grid_size = 2
    assert study.selected('U-MAE') is None  # config 1 not trained yet


def test_every_config_of_every_study_builds_its_model():
    """Both studies' configs (the 10k study's are no longer trained by the quick run)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mssl_plugin  # noqa: F401
    init_default_scope('mmpretrain')
    configs = {method['config'] for study in quality_bench.STUDIES.values()
               for method in study['methods'].values()}
    assert len(configs) == 9, configs
    for config in sorted(configs):
        cfg = Config.fromfile(f'{REPO}/{config}')
        assert MODELS.build(cfg.model) is not None, config
    assert set(quality_bench.STUDIES['fashion-mnist-48k']['methods']) == {
        'Matrix-SSL', 'BYOL', 'SimSiam', 'MAE', 'U-MAE', 'M-MAE'}


@pytest.mark.parametrize('study', sorted(quality_bench.STUDIES))
def test_a_studys_siamese_configs_share_their_data_and_schedule(study):
    """The 48k configs repeat one schedule block (mmengine refuses a key that two
    ``_base_`` files define, so a baseline cannot inherit both its model config and the
    Matrix-SSL schedule): the study is fair only while the copies agree."""
    from mmengine.config import Config
    configs = sorted({m['config'] for m in quality_bench.STUDIES[study]['methods'].values()
                      if m['family'] == 'siamese'})
    assert len(configs) >= 3, configs

    def schedule(config):
        cfg = Config.fromfile(f'{REPO}/{config}')
        return dict(train_cfg=cfg.train_cfg, param_scheduler=cfg.param_scheduler,
                    images=cfg.train_dataloader.dataset.get('indices'),
                    batch_size=cfg.train_dataloader.batch_size,
                    checkpoints=cfg.default_hooks.checkpoint.interval,
                    views=cfg.train_dataloader.dataset.pipeline)
    reference = schedule(configs[0])
    for config in configs[1:]:
        assert schedule(config) == reference, config


def test_the_shipped_small_data_recipes_are_the_selected_configurations(tmp_path):
    """Issue 27: the shipped 48k configs are what the study selected on held-out images
    (a method whose search is still open in the committed results is not judged yet)."""
    from mmengine.config import Config
    study_name = 'fashion-mnist-48k'
    committed = f'{REPO}/benchmarks/results/quality_fashion-mnist-48k_runs.jsonl'
    (tmp_path / 'runs.jsonl').write_text(open(committed).read())
    study = quality_bench.Study(str(tmp_path), study=study_name)
    judged = 0
    for method, recipe in quality_bench.STUDIES[study_name]['recipes'].items():
        index = study.selected(method)
        if index is None:
            continue
        trained = Config.fromfile(study.config_path(method))
        trained.merge_from_dict(study.methods[method]['grid'][index])
        shipped = Config.fromfile(f'{REPO}/{recipe}')
        assert shipped.to_dict() == trained.to_dict(), (
            f'{recipe} is not {method}\'s selected config c{index}: '
            f'{study.methods[method]["grid"][index]}')
        judged += 1
    assert judged >= 1  # M-MAE's search ended on 2026-12-07


def test_a_run_stopped_midway_resumes_from_its_newest_complete_checkpoint(tmp_path):
    import os
    import time

    import torch
    study = quality_bench.Study(str(tmp_path), quick=True)
    command, _, work_dir = study.train_command('M-MAE', 0, 1)
    assert '--resume' not in command and command[command.index('--work-dir') + 1] == work_dir
    assert 'randomness.seed=1' in command
    os.makedirs(work_dir)
    stopped = os.path.join(work_dir, 'iter_162.pth')
    torch.save({'state_dict': {'w': torch.zeros(2)}, 'meta': {'iter': 162}}, stopped)
    # a later save cut off by the machine's end is passed over
    cut = os.path.join(work_dir, 'iter_170.pth')
    with open(stopped, 'rb') as source, open(cut, 'wb') as target:
        target.write(source.read()[:100])
    later = time.time() + 5
    os.utime(cut, (later, later))
    command, _, _ = study.train_command('M-MAE', 0, 1)
    assert command[-2:] == ['--resume', stopped]


def test_floors_another_process_recorded_meanwhile_are_not_measured_again(tmp_path):
    study = quality_bench.Study(str(tmp_path), study='fashion-mnist-10k')
    read = dict(knn=80.0, linear=80.0)
    floors = [dict(id='floor_pixels', floor=True, heldout=read, test=read)] + [
        dict(id=f'floor_random_{family}', floor=True, heldout=[read] * 3, test=[read] * 3)
        for family in ('siamese', 'mae')]
    with open(tmp_path / 'runs.jsonl', 'a') as f:  # e.g. a `--stage floors` process
        f.write(''.join(json.dumps(row) + '\n' for row in floors))
    study.floors()
    assert len((tmp_path / 'runs.jsonl').read_text().splitlines()) == 3
    assert study.runs['floor_pixels']['test'] == read


def test_training_seconds_count_each_iteration_once_across_attempts(tmp_path):
    """A run resumed from ``iter_100.pth`` redid iterations 101-150 of its killed first
    attempt: the cost is the schedule's, at its typical (median) time per iteration."""
    def attempt(name, logged):
        (tmp_path / name / 'vis_data').mkdir(parents=True)
        (tmp_path / name / 'vis_data' / 'scalars.json').write_text(''.join(
            json.dumps(dict(iter=i, time=t, loss=0.0)) + '\n' for i, t in logged))
    # iteration 150's window caught a pause in the first attempt; the retry's time counts
    attempt('20261207_100000', [(50, 1.0), (100, 1.0), (150, 85.0)])
    attempt('20261207_120000', [(150, 2.0), (200, 2.0), (250, 2.0)])
    (tmp_path / 'epoch_2.pth').write_text('not an attempt')
    assert quality_bench.training_seconds(str(tmp_path)) == 2.0 * 250
    # a pause in the last attempt does not stand for its whole logger interval either
    attempt('20261207_140000', [(300, 85.0)])
    assert quality_bench.training_seconds(str(tmp_path)) == 2.0 * 300


def test_a_run_stopped_by_a_signal_is_not_recorded_as_finished(tmp_path, monkeypatch):
    """tools/train.py exits 0 after a SIGTERM saved ``iter_N.pth``: the study must stop,
    not evaluate the truncated run as the finished one."""
    study = quality_bench.Study(str(tmp_path), quick=True)
    real_command = study.train_command

    def stopped_early(method, index, seed):  # a process that exits 0 and saves no epoch
        _, options, work_dir = real_command(method, index, seed)
        return [sys.executable, '-c', 'pass'], options, work_dir
    monkeypatch.setattr(study, 'train_command', stopped_early)
    with pytest.raises(SystemExit, match='m-mae_c0_s0 was stopped before its last epoch'):
        study.do_run('M-MAE', 0, 0, 1, 1)
    assert not (tmp_path / 'runs.jsonl').exists()


def test_seeds_run_seed_major_so_a_stopped_study_has_every_method_twice(
        tmp_path, monkeypatch):
    study = quality_bench.Study(str(tmp_path), quick=True)
    planned = []
    monkeypatch.setattr(study, 'do_run', lambda m, i, s, position, total: planned.append(
        (m, s)))
    study.seeds(['BYOL', 'Matrix-SSL'])
    assert planned == [('BYOL', 1), ('Matrix-SSL', 1), ('BYOL', 2), ('Matrix-SSL', 2)]


def test_two_study_processes_share_the_runs_instead_of_training_one_twice(tmp_path):
    """Study processes started over the same methods (one per core): a run another
    process holds is skipped, one it recorded meanwhile is read, not trained again."""
    first = quality_bench.Study(str(tmp_path), quick=True)
    second = quality_bench.Study(str(tmp_path), quick=True)
    with first.claim('byol_c0_s0') as claimed:
        assert claimed
        assert second.do_run('BYOL', 0, 0, 1, 1) is None
        assert not (tmp_path / 'byol_c0_s0').exists()  # nothing trained
        with second.claim('byol_c0_s0') as also:
            assert not also
        first.record(dict(id='byol_c0_s0', method='BYOL', config=0, seed=0, failed=False,
                          options={}, heldout={'1': dict(knn=1.0, linear=2.0)}))
    # recorded by the first after the second was started: read from the results file
    assert second.do_run('BYOL', 0, 0, 1, 1)['heldout']['1']['knn'] == 1.0
    with second.claim('byol_c0_s0') as claimed:  # released with the first's block
        assert claimed
    # a test read-out another process holds is left to it
    with first.claim('byol_c0_s0'), second.claim('floors'):
        second.test(['BYOL'])
    assert 'test' not in second.runs['byol_c0_s0']


@pytest.mark.parametrize('recorded_knn, selected', [(50.0, 1), (90.0, 0)])
def test_a_run_of_the_selected_config_reads_the_test_split_as_soon_as_it_trains(
        tmp_path, monkeypatch, recorded_knn, selected):
    """Its checkpoints then need not survive the machine (the 48k study lost 14 runs'
    checkpoints with one); a run of a config the search did not select is never read on
    the test split."""
    study = quality_bench.Study(str(tmp_path))
    study.grid_size = 2
    study.record(dict(id='byol_c0_s0', method='BYOL', config=0, seed=0, failed=False,
                      options=study.methods['BYOL']['grid'][0],
                      heldout={'6': dict(knn=recorded_knn, linear=recorded_knn)}))
    read = []

    def train(method, index, seed):
        work_dir = tmp_path / quality_bench.run_id(method, index, seed)
        work_dir.mkdir()
        return study.methods[method]['grid'][index], 1.0, str(work_dir)

    def evaluate(method, work_dir, split, last_only=False):
        read.append((osp.basename(work_dir), split, last_only))
        return {'6': dict(knn=70.0, linear=70.0)}
    monkeypatch.setattr(study, 'trained', lambda method, index, seed: False)
    monkeypatch.setattr(study, 'train', train)
    monkeypatch.setattr(study, 'evaluate', evaluate)
    monkeypatch.setattr(study, 'checkpoints', lambda work_dir: [(6, 'epoch_6.pth')])
    study.do_run('BYOL', 1, 0, 1, 1)  # completes the search
    if selected == 1:
        study.do_run('BYOL', 1, 1, 1, 1)  # a seed of the selected config
        assert read == [('byol_c1_s0', 'heldout', False), ('byol_c1_s0', 'test', True),
                        ('byol_c1_s1', 'heldout', False), ('byol_c1_s1', 'test', True)]
    else:
        assert read == [('byol_c1_s0', 'heldout', False)]
    reloaded = quality_bench.Study(str(tmp_path))
    assert ('test' in reloaded.runs['byol_c1_s0']) == (selected == 1)


def test_the_run_table_says_where_the_test_split_read_a_retrained_network():
    def row(seed, retrained_knn):
        return dict(id=f'byol_c0_s{seed}', method='BYOL', config=0, seed=seed, failed=False,
                    options={}, heldout={'6': dict(knn=70.0, linear=71.0)},
                    test={'6': dict(knn=69.0, linear=70.5)},
                    heldout_retrained={'6': dict(knn=retrained_knn, linear=71.0)})
    table = quality_bench.runs_table({'a': row(0, 70.0), 'b': row(1, 72.5)})
    assert '| BYOL c0 seed 0 | base config | **70.00 / 71.00** | 69.00 / 70.50 |' in table
    assert ('| BYOL c0 seed 1 | base config | **70.00 / 71.00** | 69.00 / 70.50 '
            '(retrained; held-out 72.50 / 71.00) |') in table


def test_a_run_whose_checkpoints_are_gone_is_retrained_for_its_test_read_out(tmp_path,
                                                                             monkeypatch):
    """The study moved machines: the test stage retrains the selected runs it has to read,
    and records the retrained network's held-out read-outs at the end next to the
    recorded ones."""
    study = quality_bench.Study(str(tmp_path))
    study.grid_size = 1
    study.record(dict(id='mae_c0_s0', method='MAE', config=0, seed=0, failed=False,
                      options=study.methods['MAE']['grid'][0],
                      work_dir=str(tmp_path / 'gone' / 'mae_c0_s0'),
                      heldout={'2': dict(knn=60.0, linear=61.0),
                               '6': dict(knn=70.0, linear=71.0)}))
    read, trained = [], []

    def train(method, index, seed):
        trained.append((method, index, seed))
        work_dir = tmp_path / quality_bench.run_id(method, index, seed)
        work_dir.mkdir()
        return {}, 1.0, str(work_dir)

    def evaluate(method, work_dir, split, last_only=False):
        read.append((split, last_only))
        return {'6': dict(knn=70.5 if split == 'heldout' else 69.0, linear=71.0)}
    monkeypatch.setattr(study, 'train', train)
    monkeypatch.setattr(study, 'evaluate', evaluate)
    monkeypatch.setattr(study, 'floors', lambda: None)
    study.test(['MAE'])
    assert trained == [('MAE', 0, 0)]
    assert read == [('heldout', True), ('test', True)]
    row = quality_bench.Study(str(tmp_path)).runs['mae_c0_s0']
    assert row['heldout_retrained'] == {'6': dict(knn=70.5, linear=71.0)}
    assert row['test']['6']['knn'] == 69.0 and row['heldout']['6']['knn'] == 70.0
    assert row['work_dir'] == str(tmp_path / 'mae_c0_s0')
    assert '(retrained; held-out 70.50 / 71.00)' in quality_bench.runs_table({'r': row})
