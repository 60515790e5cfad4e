import CLibc

// slugctl, Embedded: its commands are in Sources/slugctl (linked here as slugctl/), which the
// tests also build as the SlugctlKit library. The daemons that open the store are this binary
// too (Package.swift, "one binary"): each is installed as a link to slugctl, and the name it
// was started by (argv[0], which inetd, xinetd and systemd all pass) says which program runs.
let arguments = Arguments.processArguments()
switch FilePath.name(of: arguments.first ?? "") {
case "in.dns": InDNS.main()
case "in.dhcp": InDHCP.main()
case "in.smtp": InSMTP.main()
case "in.jabberd": InJabberd.main()
case "in.ctcs", "torrents.cgi": InCTCS.main(arguments)
default: exit(Slugctl.run(Array(arguments.dropFirst())))
}
