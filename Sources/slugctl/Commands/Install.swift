import CLibc
import CManual
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
import Superserver
#endif

extension Slugctl {
  enum Install {
    static let command = Command(
      "install",
      abstract: "Install slugctl, the daemons, shell completions and the manual pages.",
      discussion: """
        Copies slugctl, the daemons built beside it that do not open the store (in.www, \
        in.proxy, in.mvp) and their TLS helper, slug-tls, to PREFIX/sbin with mode 0755, and \
        makes the daemons that do (in.jabberd, in.smtp, in.ctcs, in.dns, in.dhcp) links to \
        slugctl there: slugctl is those daemons too, run by the name it is started under. \
        Installs the bash, zsh and fish completions under PREFIX/share, slugctl.8 and the daemons' pages (and torrents.cgi.8) \
        to PREFIX/share/man/man8, and the pages of their files (in.dns.conf.5, in.dhcp.conf.5, \
        in.jabberd.conf.5) to PREFIX/share/man/man5. The binaries are installed stripped of \
        their symbols and debug information (binutils' strip; the build keeps them). Nothing \
        is installed if a binary or a page is missing.
        """,
      parameters: [
        .option(
          "prefix", value: "dir", help: "Install under this directory, e.g. /usr/local.", required: true,
          completion: .directory),
        // Where slugctl and the daemons are taken from; tests point it at a directory of
        // stand-ins because in-process the running binary is the test runner. ArgumentParser
        // hid it from the help; Parameter has no hidden form, so it shows there.
        .option("from", value: "dir", help: "Take slugctl and the daemons from this directory (for tests).", hidden: true),
      ],
      run: run)

    /// The daemons `swift build` puts beside slugctl, each once (smtp and submission share in.smtp).
    static let daemons = Catalog.services.map { $0.program }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

    /// The daemons that open the store, which are slugctl's own binary under another name
    /// (Package.swift, "one binary"): installed as links to slugctl, not copied.
    static let slugctlDaemons = daemons.filter { program in Catalog.services.contains { $0.program == program && $0.usesStore } }

    /// The daemons that are binaries of their own, copied as they are built.
    static let ownBinaryDaemons = daemons.filter { !slugctlDaemons.contains($0) }

    /// What the daemons start from their own directory: the TLS helper.
    static let helpers = ["slug-tls"]

    /// The hand-written pages of man/, one per daemon, the torrent page's and the flat files'.
    static let manualPages =
      (daemons + helpers).map { "\($0).8" } + ["torrents.cgi.8", "in.dns.conf.5", "in.dhcp.conf.5", "in.jabberd.conf.5"]

    /// A page's name and section: ("in.dns.conf", "5") for in.dns.conf.5.
    static func nameAndSection(of page: String) -> (name: String, section: String) {
      guard let dot = page.lastIndex(of: ".") else { return (page, "") }
      return (String(page[..<dot]), String(page[page.index(after: dot)...]))
    }

    /// The pages of man/ compiled into slugctl (Sources/CManual), by file name: install needs
    /// neither the source tree nor anything beside the binary to install them.
    static var embeddedPages: [String: [UInt8]] {
      var pages: [String: [UInt8]] = [:]
      for index in 0..<slug_manual_page_count() {
        let page = slug_manual_page(index)
        pages[String(cString: page.name)] = Array(UnsafeBufferPointer(start: page.text, count: page.length))
      }
      return pages
    }

    private static func run(_ invocation: Invocation) throws(Failure) {
      let prefix = invocation["prefix"]
      let source: String
      if let from = invocation.optional("from") {
        source = from
      } else {
        source = try Self.runningBinaryDirectory()
      }
      var files: [(path: String, bytes: [UInt8], mode: mode_t)] = []
      for program in ["slugctl"] + Self.ownBinaryDaemons + Self.helpers {
        files.append((prefix + "/sbin/" + program, try Self.built(program, at: source + "/" + program), 0o755))
      }
      let share = prefix + "/share"
      let embedded = Self.embeddedPages
      for page in Self.manualPages {
        guard let bytes = embedded[page] else { throw Failure.noInput("missing \(page): this slugctl was built without it") }
        files.append((share + "/man/man\(Self.nameAndSection(of: page).section)/" + page, bytes, 0o644))
      }
      let bash = CompletionScript.render(shell: "bash", root: Slugctl.root)
      let zsh = CompletionScript.render(shell: "zsh", root: Slugctl.root)
      let fish = CompletionScript.render(shell: "fish", root: Slugctl.root)
      files.append((share + "/bash-completion/completions/slugctl", Array(bash.utf8), 0o644))
      files.append((share + "/zsh/site-functions/_slugctl", Array(zsh.utf8), 0o644))
      files.append((share + "/fish/vendor_completions.d/slugctl.fish", Array(fish.utf8), 0o644))
      files.append((share + "/man/man8/slugctl.8", Array(ManualPage.render(root: Slugctl.root).utf8), 0o644))
      for file in files {
        try Self.install(file.bytes, at: file.path, mode: file.mode)
        Console.current.print(file.path)
      }
      // After slugctl itself, so that no link is ever left pointing at nothing.
      for program in Self.slugctlDaemons {
        let path = prefix + "/sbin/" + program
        try attempt { () throws(StoreError) in try AtomicFile.link(path, to: "slugctl") }
        Console.current.print(path + " -> slugctl")
      }
    }

    /// A file `swift build` made, read whole before anything is installed; an ELF binary
    /// stripped, as it is to be installed.
    private static func built(_ name: String, at path: String) throws(Failure) -> [UInt8] {
      let bytes: [UInt8]
      do throws(FileError) {
        bytes = try readWholeFile(path)
      } catch {
        throw Failure.noInput("missing \(name): \(path) does not exist or cannot be read (build with `swift build -c release`)")
      }
      guard bytes.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else { return bytes }
      return try stripped(path)
    }

    /// The binary at PATH without its symbols and debug information (binutils' strip), which
    /// an installed daemon never uses and which are most of a release build's size.
    private static func stripped(_ path: String) throws(Failure) -> [UInt8] {
      guard let strip = Subprocess.find("strip") else {
        throw Failure.unavailable("cannot strip \(path): strip is not installed (apt-get install binutils)")
      }
      let copy = try TemporaryFile(prefix: "slugctl-install", for: "cannot strip \(path)")
      defer { copy.remove() }
      let finished: Subprocess.Finished
      do throws(Spawn.Failure) {
        finished = try Subprocess.run(strip, ["-o", copy.path, path], capturingErrors: true)
      } catch {
        throw Failure.unavailable("cannot strip \(path): cannot run \(strip): \(error.description)")
      }
      guard finished.status.succeeded else {
        throw Failure.osError("cannot strip \(path): strip \(finished.status.shortDescription): \(finished.errors)")
      }
      do throws(FileError) {
        return try readWholeFile(copy.path)
      } catch {
        // 70, EX_SOFTWARE: what slugctl has always answered to an error it did not expect.
        throw Failure(message: error.description, exitCode: 70)
      }
    }

    private static func runningBinaryDirectory() throws(Failure) -> String {
      guard let path = FilePath.runningExecutable() else {
        throw Failure.noInput("cannot find the running slugctl binary (/proc/self/exe)")
      }
      return FilePath.directory(of: path)
    }

    /// AtomicFile renames a complete copy over the old file, so a daemon being exec'd at that
    /// moment gets either the old binary or the new one, never half of one.
    private static func install(_ bytes: [UInt8], at path: String, mode: mode_t) throws(Failure) {
      do throws(StoreError) {
        try Directory.create(FilePath.directory(of: path), mode: 0o755)
      } catch {
        throw Failure.cannotCreate("cannot create \(error.description)")
      }
      try attempt { () throws(StoreError) in try AtomicFile.write(bytes, to: path, mode: mode) }
    }
  }
}
