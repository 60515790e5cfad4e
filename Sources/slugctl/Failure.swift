#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

/// An error slugctl reports itself: the message names the thing, the code is a sysexits value.
/// Every command throws only this (typed throws: Embedded Swift has no `any Error`); a store
/// or file-format error becomes one through `attempt` or `attemptParsing`, keeping its message
/// and exit code.
struct Failure: Error, Equatable, CustomStringConvertible {
  var message: String
  var exitCode: Int32

  var description: String { message }

  /// 64: the command line asks for something that does not exist.
  static func usage(_ message: String) -> Failure { Failure(message: message, exitCode: 64) }
  /// 65: the input is not what it should be.
  static func dataError(_ message: String) -> Failure { Failure(message: message, exitCode: 65) }
  /// 66: an input file is missing or unreadable.
  static func noInput(_ message: String) -> Failure { Failure(message: message, exitCode: 66) }
  /// 69: a service the command relies on is missing.
  static func unavailable(_ message: String) -> Failure { Failure(message: message, exitCode: 69) }
  /// 71: the system refused an operation (a helper program failed).
  static func osError(_ message: String) -> Failure { Failure(message: message, exitCode: 71) }
  /// 73: an output file cannot be created.
  static func cannotCreate(_ message: String) -> Failure { Failure(message: message, exitCode: 73) }
  /// 74: reading or writing failed part way.
  static func ioError(_ message: String) -> Failure { Failure(message: message, exitCode: 74) }
}

extension StoreError {
  var failure: Failure { Failure(message: description, exitCode: exitCode) }
}

extension FormatError {
  /// 65, EX_DATAERR: the file, not the command line, is wrong.
  var failure: Failure { Failure(message: description, exitCode: 65) }
}

/// Runs BODY, a store operation, its StoreError as the Failure slugctl reports.
func attempt<T>(_ body: () throws(StoreError) -> T) throws(Failure) -> T {
  do {
    return try body()
  } catch {
    throw error.failure
  }
}

/// Runs BODY, a file-format parser, its FormatError as the Failure slugctl reports.
func attemptParsing<T>(_ body: () throws(FormatError) -> T) throws(Failure) -> T {
  do {
    return try body()
  } catch {
    throw error.failure
  }
}
