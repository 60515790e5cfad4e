import Runtime

Runtime.unavailable(program: "in.jabberd")
