Runtime.unavailable(program: "in.jabberd")
