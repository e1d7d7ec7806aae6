// gzip / zlib inflate for Content-Encoding: gzip (and deflate) bodies.

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "satellite/decoders/decoder.h"

namespace spanbench::satellite {
namespace {

// Owns a zlib inflate stream so every return path releases it.
class Inflater {
 public:
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() {
    if (initialised_) inflateEnd(&stream_);
  }

  // 15 + 32: accept both gzip and zlib headers, detected from the data.
  bool init() {
    initialised_ = inflateInit2(&stream_, 15 + 32) == Z_OK;
    return initialised_;
  }
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
  bool initialised_ = false;
};

bool starts_new_member(const Bytef* next, uInt avail) {
  return avail >= 2 && next[0] == 0x1f && next[1] == 0x8b;
}

}  // namespace

DecodeStatus gunzip(std::string_view in, std::string& out, size_t max_bytes) {
  out.clear();
  if (in.size() > UINT_MAX) return DecodeStatus::failure("gzip body larger than 4 GiB");
  Inflater inflater;
  if (!inflater.init()) return DecodeStatus::failure("cannot initialise zlib");
  z_stream& zs = inflater.stream();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());

  constexpr size_t kChunkBytes = 64 * 1024;
  for (;;) {
    if (out.size() >= max_bytes) {
      // Room is exhausted: anything more to produce means the limit is hit.
      unsigned char probe;
      zs.next_out = &probe;
      zs.avail_out = 1;
      const int rc = inflate(&zs, Z_NO_FLUSH);
      if (zs.avail_out == 0) {
        out.clear();
        return DecodeStatus::failure("decompressed body exceeds " + std::to_string(max_bytes) +
                                     " bytes");
      }
      if (rc == Z_STREAM_END) {
        if (zs.avail_in == 0) return DecodeStatus::success();
        if (!starts_new_member(zs.next_in, zs.avail_in)) {
          out.clear();
          return DecodeStatus::failure("trailing bytes after gzip stream");
        }
        if (inflateReset(&zs) != Z_OK) return DecodeStatus::failure("cannot reset zlib");
        continue;
      }
      // Headers and empty blocks consume input without output: keep going.
      if (rc == Z_OK && zs.avail_in > 0) continue;
      out.clear();
      if (rc == Z_BUF_ERROR || rc == Z_OK) {
        return DecodeStatus::failure("truncated gzip stream");
      }
      return DecodeStatus::failure(std::string("invalid gzip data: ") +
                                   (zs.msg ? zs.msg : "zlib error"));
    }

    const size_t old_size = out.size();
    const size_t grow =
        std::min({kChunkBytes + old_size, max_bytes - old_size, static_cast<size_t>(UINT_MAX)});
    out.resize(old_size + grow);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
    zs.avail_out = static_cast<uInt>(grow);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(out.size() - zs.avail_out);

    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) return DecodeStatus::success();
      // Concatenated gzip members form one body (RFC 1952).
      if (!starts_new_member(zs.next_in, zs.avail_in)) {
        out.clear();
        return DecodeStatus::failure("trailing bytes after gzip stream");
      }
      if (inflateReset(&zs) != Z_OK) return DecodeStatus::failure("cannot reset zlib");
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_out != 0) {
      // No progress possible with output room left: the input ran out.
      out.clear();
      return DecodeStatus::failure("truncated gzip stream");
    }
    if (rc == Z_BUF_ERROR) continue;
    out.clear();
    if (rc == Z_MEM_ERROR) return DecodeStatus::failure("out of memory inflating gzip body");
    return DecodeStatus::failure(std::string("invalid gzip data: ") +
                                 (zs.msg ? zs.msg : "zlib error"));
  }
}

}  // namespace spanbench::satellite
