import Glibc

/// Which sanitizer the tests run under (`make test-asan`, `make test-tsan`); the daemons they
/// start are built the same way.
public enum Sanitizer {
    /// True under AddressSanitizer, whose allocator keeps freed memory in a quarantine of
    /// 256 MiB instead of handing it back, and under ThreadSanitizer, whose shadow memory and
    /// access histories grow with the memory a program touches: resident memory then says
    /// nothing about leaks.
    public static let distortsResidentMemory = ["__asan_init", "__tsan_init"].contains { (symbol: String) in
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol) != nil
    }
}
