# Every write-like operation on one file and its directory; prints "<operation>:<ok|ERRNO>" per line.
import os, sys, errno
f = sys.argv[1]; d = os.path.dirname(f)
def t(name, fn):
    try:
        fn(); r = "ok"
    except OSError as e:
        r = errno.errorcode[e.errno]
    print(f"{name}:{r}")
t("open_wronly", lambda: os.close(os.open(f, os.O_WRONLY)))
t("open_rdwr", lambda: os.close(os.open(f, os.O_RDWR)))
t("open_trunc", lambda: os.close(os.open(f, os.O_RDONLY | os.O_TRUNC)))
t("truncate", lambda: os.truncate(f, 0))
t("chmod", lambda: os.chmod(f, 0o666))
t("chown", lambda: os.chown(f, 1, 1))
t("utime", lambda: os.utime(f, (0, 0)))
t("mknod", lambda: os.mknod(os.path.join(d, "x-node"), 0o600 | 0o010000))
t("mkdir", lambda: os.mkdir(os.path.join(d, "x-dir")))
t("unlink", lambda: os.unlink(f))
t("rename", lambda: os.rename(f, f + ".x"))
t("setxattr", lambda: os.setxattr(f, "user.x", b"1"))
t("symlink", lambda: os.symlink("/tmp", os.path.join(d, "x-link")))
t("link", lambda: os.link(f, os.path.join(d, "x-hard")))
t("create", lambda: os.close(os.open(os.path.join(d, "x-new"), os.O_CREAT | os.O_WRONLY, 0o644)))
