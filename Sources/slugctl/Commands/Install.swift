import ArgumentParser
import Foundation
import Store
import Superserver

extension Slugctl {
  struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "install",
      abstract: "Install slugctl, the daemons, shell completions and the manual pages.",
      discussion: """
        Copies slugctl and the daemons built beside it (in.www, in.proxy, in.jabberd, in.smtp, \
        in.ctcs, in.dns, in.dhcp, in.mvp) and their TLS helper, slug-tls, to PREFIX/sbin with mode 0755, the bash, zsh and fish \
        completions under PREFIX/share, slugctl.8 and the daemons' pages (and torrents.cgi.8) \
        to PREFIX/share/man/man8, and the pages of their files (in.dns.conf.5, in.dhcp.conf.5, \
        in.jabberd.conf.5) to PREFIX/share/man/man5. Nothing is installed if a daemon binary \
        or a page is missing.
        """)

    /// The daemons `swift build` puts beside slugctl, each once (smtp and submission share in.smtp).
    static let daemons = Catalog.services.map(\.program).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

    /// What the daemons start from their own directory: the TLS helper.
    static let helpers = ["slug-tls"]

    /// The hand-written pages of man/, one per daemon, the torrent page's and the flat files'.
    static let manualPages =
      (daemons + helpers).map { "\($0).8" } + ["torrents.cgi.8", "in.dns.conf.5", "in.dhcp.conf.5", "in.jabberd.conf.5"]

    /// Where SwiftPM puts slugctl's resources (the pages), beside the binary. Read by path:
    /// the generated `Bundle.module` traps when the bundle is missing, and a missing page must
    /// be an error that names it.
    static let resourceDirectory = "slug_slugctl.resources"

    @Option(help: ArgumentHelp("Install under this directory, e.g. /usr/local.", valueName: "dir"), completion: .directory)
    var prefix: String

    /// Where slugctl and the daemons are taken from; tests point it at a directory of stand-ins
    /// because in-process the running binary is the test runner.
    @Option(name: .customLong("from"), help: .hidden)
    var binaryDirectory: String?

    func run() throws {
      let source = try binaryDirectory ?? Self.runningBinaryDirectory()
      var files: [(path: String, bytes: Data, mode: mode_t)] = []
      for program in ["slugctl"] + Self.daemons + Self.helpers {
        files.append((prefix + "/sbin/" + program, try Self.built(program, at: source + "/" + program), 0o755))
      }
      let share = prefix + "/share"
      for page in Self.manualPages {
        let section = (page as NSString).pathExtension
        let bytes = try Self.built(page, at: source + "/" + Self.resourceDirectory + "/" + page)
        files.append((share + "/man/man\(section)/" + page, bytes, 0o644))
      }
      files.append((share + "/bash-completion/completions/slugctl", Data(Slugctl.completionScript(for: .bash).utf8), 0o644))
      files.append((share + "/zsh/site-functions/_slugctl", Data(Slugctl.completionScript(for: .zsh).utf8), 0o644))
      files.append((share + "/fish/vendor_completions.d/slugctl.fish", Data(Slugctl.completionScript(for: .fish).utf8), 0o644))
      files.append((share + "/man/man8/slugctl.8", Data(try ManualPage.render(helpDump: Slugctl._dumpHelp()).utf8), 0o644))
      for file in files {
        try Self.install(file.bytes, at: file.path, mode: file.mode)
        Console.current.print(file.path)
      }
    }

    /// A file `swift build` made, read whole before anything is installed.
    private static func built(_ name: String, at path: String) throws -> Data {
      guard let bytes = FileManager.default.contents(atPath: path) else {
        throw Failure.noInput("missing \(name): \(path) does not exist or cannot be read (build with `swift build -c release`)")
      }
      return bytes
    }

    private static func runningBinaryDirectory() throws -> String {
      guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
        throw Failure.noInput("cannot find the running slugctl binary (/proc/self/exe)")
      }
      return (path as NSString).deletingLastPathComponent
    }

    /// AtomicFile renames a complete copy over the old file, so a daemon being exec'd at that
    /// moment gets either the old binary or the new one, never half of one.
    private static func install(_ bytes: Data, at path: String, mode: mode_t) throws {
      do {
        try Directory.create(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), mode: 0o755)
      } catch {
        throw Failure.cannotCreate("cannot create \(error)")
      }
      try AtomicFile.write(Array(bytes), to: path, mode: mode)
    }
  }
}
