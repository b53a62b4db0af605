"""One module per `solieu` subcommand, each with `register(subparsers)`."""
