#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Text encodings by name (GB18030, GBK, UTF-8 …) through the C library's iconv: the one call
/// site of iconv in Acorn, for the importers (reading GB18030 exports) and the exports (writing
/// GBK for older ERP tools).
public enum Iconv {
  public enum Failure: Error, Sendable, Equatable {
    /// The system has no converter between these encodings.
    case unsupported
    /// The input is not valid in the source encoding, or cannot be written in the target, from
    /// this byte offset on.
    case invalid(offset: Int)
  }

  public static func convert(_ input: [UInt8], from: String, to: String) -> Result<
    [UInt8], Failure
  > {
    let cd = iconv_open(to, from)
    guard cd != iconv_t(bitPattern: -1) else { return .failure(.unsupported) }
    defer { iconv_close(cd) }
    var source = input
    // Four bytes out per byte in covers every conversion between these encodings.
    var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
    var inLeft = source.count
    var outLeft = output.count
    let failed = source.withUnsafeMutableBytes { inRaw -> Bool in
      output.withUnsafeMutableBytes { outRaw -> Bool in
        guard let inBase = inRaw.baseAddress, let outBase = outRaw.baseAddress else {
          return !inRaw.isEmpty
        }
        var inPtr: UnsafeMutablePointer<CChar>? = inBase.assumingMemoryBound(to: CChar.self)
        var outPtr: UnsafeMutablePointer<CChar>? = outBase.assumingMemoryBound(to: CChar.self)
        _ = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
        return inLeft != 0
      }
    }
    if failed { return .failure(.invalid(offset: input.count - inLeft)) }
    return .success(Array(output.prefix(output.count - outLeft)))
  }
}
