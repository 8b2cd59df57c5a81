"""One reader for every checkpoint file: one line naming the file, the fault and the fix."""
import io
import os
import pickle
import zipfile

import pytest
import torch

from mssl_plugin.engine import CheckpointFileError, load_checkpoint_file
from mssl_plugin.engine.checkpoint_files import checkpoint_problem, newest_complete_checkpoint


@pytest.fixture
def good(tmp_path):
    path = tmp_path / 'good.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(64, 64)), meta=dict(epoch=1)), path)
    return path


def refused(path):
    with pytest.raises(CheckpointFileError) as info:
        load_checkpoint_file(str(path))
    message = str(info.value)
    assert '\n' not in message and str(path) in message
    assert 'weights_only=False' not in message  # never advise turning safe loading off
    return message


def test_good_and_legacy_files_load(good, tmp_path):
    assert torch.equal(load_checkpoint_file(str(good))['state_dict']['w'], torch.ones(64, 64))
    legacy = tmp_path / 'legacy.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2))), legacy,
               _use_new_zipfile_serialization=False)
    assert checkpoint_problem(str(legacy)) is None
    assert torch.equal(load_checkpoint_file(str(legacy))['state_dict']['w'], torch.ones(2))


def test_truncated_empty_missing_and_foreign_files(good, tmp_path):
    data = good.read_bytes()
    truncated = tmp_path / 'iter_22.pth'
    truncated.write_bytes(data[:len(data) // 3])
    assert 'truncated' in refused(truncated) and 'previous checkpoint' in refused(truncated)
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    assert 'empty' in refused(empty)
    assert 'does not exist' in refused(tmp_path / 'nowhere.pth')
    noise = tmp_path / 'noise.pth'
    noise.write_bytes(os.urandom(4096).replace(b'PK', b'pk').lstrip(b'\x80') or b'x')
    assert 'not a torch checkpoint' in refused(noise)
    text = tmp_path / 'notes.pth'
    text.write_text('hello')
    assert 'not a torch checkpoint' in refused(text)
    other_zip = tmp_path / 'archive.pth'
    with zipfile.ZipFile(other_zip, 'w') as archive:
        archive.writestr('readme.txt', 'not a checkpoint')
    assert 'not a torch checkpoint' in refused(other_zip)
    truncated_legacy = tmp_path / 'legacy.pth'
    buffer = io.BytesIO()
    torch.save(dict(w=torch.ones(1000)), buffer, _use_new_zipfile_serialization=False)
    truncated_legacy.write_bytes(buffer.getvalue()[:200])
    assert 'truncated or damaged' in refused(truncated_legacy)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_code_running_pickles_are_refused_without_an_unsafe_hint(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(1)), payload=_RunsCode()), path)
    message = refused(path)
    assert 'safe loading refuses' in message
    raw = tmp_path / 'raw.pkl'
    raw.write_bytes(b'\x80' + pickle.dumps(_RunsCode())[1:])
    refused(raw)


def test_newest_complete_checkpoint_skips_damaged_ones(good, tmp_path):
    older = tmp_path / 'iter_1.pth'
    older.write_bytes(good.read_bytes())
    newer = tmp_path / 'iter_2.pth'
    newer.write_bytes(good.read_bytes()[:100])
    os.utime(older, (1, 1))
    os.utime(good, (2, 2))
    assert newest_complete_checkpoint(str(tmp_path)) == str(newer.parent / 'good.pth')
    os.remove(good)
    assert newest_complete_checkpoint(str(tmp_path)) == str(older)


def test_resume_falls_back_from_a_bad_last_checkpoint(good, tmp_path):
    from mssl_plugin.engine import AtomicCheckpointHook
    hook = AtomicCheckpointHook(interval=1, by_epoch=False)
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    training = work_dir / 'iter_5.pth'
    training.write_bytes(good.read_bytes())
    os.utime(training, (1, 1))
    # files the hook did not write as training checkpoints are never resumed from, even
    # when newer: a best checkpoint, a published one, a weights-only file of the user's
    for other in ('best_accuracy_iter_6.pth', 'iter_6-0123abcd.pth', 'backbone.pth'):
        (work_dir / other).write_bytes(good.read_bytes())

    def resumable():
        return hook.resumable_checkpoint(str(work_dir), str(work_dir))

    pointer = work_dir / 'last_checkpoint'
    assert resumable() == str(training)  # no pointer
    for named in (str(work_dir / 'iter_9.pth'), ''):  # deleted by mmengine / empty file
        pointer.write_text(named)
        assert resumable() == str(training)
    half = work_dir / 'iter_10.pth'
    half.write_bytes(good.read_bytes()[:50])
    pointer.write_text(str(half))
    assert resumable() == str(training)
    os.remove(training)
    with pytest.raises(CheckpointFileError, match='no other complete checkpoint'):
        resumable()


def test_resume_fallback_follows_the_filename_template(good, tmp_path):
    from mssl_plugin.engine import AtomicCheckpointHook
    hook = AtomicCheckpointHook(interval=1, filename_tmpl='ckpts/epoch_{}.pth')
    (tmp_path / 'ckpts').mkdir()
    inside = tmp_path / 'ckpts' / 'epoch_3.pth'
    inside.write_bytes(good.read_bytes())
    (tmp_path / 'epoch_4.pth').write_bytes(good.read_bytes())  # not where the hook writes
    assert hook.resumable_checkpoint(str(tmp_path), str(tmp_path)) == str(inside)


def test_resume_from_a_remote_store_is_left_to_mmengine(tmp_path):
    from mssl_plugin.engine import AtomicCheckpointHook
    hook = AtomicCheckpointHook(interval=1)
    (tmp_path / 'last_checkpoint').write_text('s3://bucket/run/epoch_3.pth')
    assert hook.resumable_checkpoint(str(tmp_path), str(tmp_path)) == \
        's3://bucket/run/epoch_3.pth'
    assert hook.resumable_checkpoint(str(tmp_path), None) == 's3://bucket/run/epoch_3.pth'
