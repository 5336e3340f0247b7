"""The `sou` command groups, one module each; `sou.cli` assembles them.

Each group module exposes `register(main)`, which adds its groups and commands to the `sou`
group; the group modules share `sou.commands.common` and import no other group module.
"""
