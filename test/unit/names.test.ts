import { strict as assert } from 'node:assert';
import { errnoName, fileTypeChar, isWriteOpen, openFlagNames, signalName } from '../../sensor/decode/names';

describe('names: raw kernel numbers', function () {
  it('names open flags the way strace does', function () {
    assert.equal(openFlagNames(0), 'O_RDONLY');
    assert.equal(openFlagNames(0o1101), 'O_WRONLY|O_CREAT|O_TRUNC');
    assert.equal(openFlagNames(0o2000000), 'O_RDONLY|O_CLOEXEC');
    assert.equal(openFlagNames(0o2 | 0o2000), 'O_RDWR|O_APPEND');
    assert.equal(openFlagNames(0o20200002), 'O_RDWR|O_TMPFILE');
    assert.equal(openFlagNames(0o4010001), 'O_WRONLY|O_SYNC');
    assert.equal(openFlagNames(0o10000), 'O_RDONLY|O_DSYNC');
    assert.equal(openFlagNames(0x80000000), 'O_RDONLY|0x80000000');
  });

  it('tells write opens', function () {
    assert.equal(isWriteOpen(0), false);
    assert.equal(isWriteOpen(0o2000000), false);
    assert.equal(isWriteOpen(0o1), true);
    assert.equal(isWriteOpen(0o2), true);
    assert.equal(isWriteOpen(0o100), true); // O_CREAT alone creates
    assert.equal(isWriteOpen(0o1000), true); // O_TRUNC alone truncates
  });

  it('names errnos, with or without sign', function () {
    assert.equal(errnoName(2), 'ENOENT');
    assert.equal(errnoName(-13), 'EACCES');
    assert.equal(errnoName(-111), 'ECONNREFUSED');
    assert.equal(errnoName(36), 'ENAMETOOLONG');
    assert.equal(errnoName(0), 'SUCCESS');
    assert.equal(errnoName(999), 'E999');
  });

  it('names signals', function () {
    assert.equal(signalName(9), 'SIGKILL');
    assert.equal(signalName(15), 'SIGTERM');
    assert.equal(signalName(0), '');
    assert.equal(signalName(34), 'SIGRTMIN+0');
  });

  it('gives Falco type characters', function () {
    assert.equal(fileTypeChar(0o100644), 'f');
    assert.equal(fileTypeChar(0o040755), 'd');
    assert.equal(fileTypeChar(0o020666), 'c');
    assert.equal(fileTypeChar(0o060660), 'b');
    assert.equal(fileTypeChar(0), '');
  });
});
