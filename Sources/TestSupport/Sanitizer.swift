import Glibc

/// Which sanitizer the tests run under (`make test-asan`, `make test-tsan`); the daemons they
/// start are built the same way.
public enum Sanitizer {
    /// True under AddressSanitizer, whose allocator keeps freed memory in a quarantine of
    /// 256 MiB instead of handing it back: resident memory then says nothing about leaks.
    public static let isAddressSanitizerActive = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
}
