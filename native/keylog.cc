// Key logging (see keylog.h).
#include "keylog.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io_address.h"
#include "tls_session_core.h"

namespace siptls {

std::shared_ptr<KeyLog> KeyLog::Open(const KeyLogOptions& options, TlsError* error) {
  std::shared_ptr<KeyLog> log(new KeyLog(options));
  if (options.mode & keylog_mode::kFile) {
    if (options.file.empty()) {
      *error = MakeError("ERR_TLS_KEYLOG_FILE",
                         "keylog_mode has 8 (write to a file) but keylog_file is not set",
                         "keylog_file");
      return nullptr;
    }
    // The lines are secrets: a new file is readable by its owner only.
    log->file_fd_ = open(options.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log->file_fd_ < 0) {
      *error = MakeError("ERR_TLS_KEYLOG_FILE",
                         std::string("cannot open the key log file for appending: ") +
                             std::strerror(errno),
                         "keylog_file", options.file);
      return nullptr;
    }
  }
  if (options.mode & keylog_mode::kPeer) {
    sockaddr_storage addr{};
    if (options.peer_port <= 0 || options.peer_port > 65535 ||
        ParseAddress(options.peer_ip, static_cast<uint32_t>(options.peer_port), &addr) != 0) {
      *error = MakeError(
          "ERR_TLS_KEYLOG_PEER",
          "keylog_mode has 16 (send to a UDP peer) but keylog_peer is not udp:IP:PORT",
          "keylog_peer");
      return nullptr;
    }
    socklen_t len = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    log->peer_fd_ = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (log->peer_fd_ < 0 ||
        connect(log->peer_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      *error = MakeError("ERR_TLS_KEYLOG_PEER",
                         std::string("cannot open a UDP socket to keylog_peer: ") +
                             std::strerror(errno),
                         "keylog_peer");
      return nullptr;
    }
  }
  return log;
}

KeyLog::~KeyLog() {
  if (file_fd_ >= 0) close(file_fd_);
  if (peer_fd_ >= 0) close(peer_fd_);
}

bool KeyLog::PassesFilter(const char* line) {
  static const char* const kLabels[] = {
      "CLIENT_RANDOM ",
      "CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
      "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
      "CLIENT_TRAFFIC_SECRET_0 ",
      "SERVER_TRAFFIC_SECRET_0 ",
  };
  for (const char* label : kLabels) {
    if (std::strncmp(line, label, std::strlen(label)) == 0) return true;
  }
  return false;
}

void KeyLog::Write(const char* line) {
  if (!(mode_ & keylog_mode::kActive)) return;
  if ((mode_ & keylog_mode::kFilter) && !PassesFilter(line)) return;
  if ((mode_ & keylog_mode::kNotice) && notice_) notice_(line);
  size_t len = std::strlen(line);
  if (file_fd_ >= 0) {
    // One write of line + newline: O_APPEND keeps lines from several contexts whole.
    std::string record(line, len);
    record += '\n';
    ssize_t written;
    do {
      written = write(file_fd_, record.data(), record.size());
    } while (written < 0 && errno == EINTR);
  }
  if (peer_fd_ >= 0) send(peer_fd_, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void KeyLogCallback(const SSL* ssl, const char* line) {
  // SSL_get_app_data is the owning session (TlsSessionCore::Create); its current context is
  // the one the handshake uses, also after an SNI switch.
  auto* session = static_cast<TlsSessionCore*>(SSL_get_app_data(ssl));
  if (session == nullptr || !session->Context()) return;
  session->OnKeyLogLine(line);
  const std::shared_ptr<KeyLog>& log = session->Context()->KeyLogSink();
  if (log) log->Write(line);
}

}  // namespace siptls
