/*
 * peercred: the kernel's credentials of the process at the other end of a connected Unix socket.
 *
 * Exports getPeerCredentials(fd) -> { pid, uid, gid } via getsockopt(SOL_SOCKET, SO_PEERCRED).
 * The values are those the kernel recorded when the peer called connect(); nothing the peer sends
 * can change them. Linux only. Throws an Error with `code` set to the errno name on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, int err) {
  const char *name = err == EBADF      ? "EBADF"
                     : err == ENOTSOCK ? "ENOTSOCK"
                     : err == ENOPROTOOPT ? "ENOPROTOOPT"
                     : err == EINVAL   ? "EINVAL"
                                       : "EIO";
  napi_throw_error(env, name, strerror(err));
  return NULL;
}

static int set_number(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  if (napi_create_double(env, value, &v) != napi_ok) return 0;
  return napi_set_named_property(env, obj, key, v) == napi_ok;
}

static napi_value get_peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return NULL;
  }
  int32_t fd = -1;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof(cred);
  memset(&cred, 0, sizeof(cred));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return throw_errno(env, errno);
  if (len != sizeof(cred)) return throw_errno(env, EIO);
  napi_value result;
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  if (!set_number(env, result, "pid", (double)cred.pid) ||
      !set_number(env, result, "uid", (double)cred.uid) ||
      !set_number(env, result, "gid", (double)cred.gid)) {
    return NULL;
  }
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "getPeerCredentials", NAPI_AUTO_LENGTH, get_peer_credentials, NULL, &fn) !=
      napi_ok) {
    return NULL;
  }
  if (napi_set_named_property(env, exports, "getPeerCredentials", fn) != napi_ok) return NULL;
  return exports;
}
