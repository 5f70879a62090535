"""One palette for every embed: Discord's own colours, so embeds look native."""

BRAND = 0x5865F2  # blurple: questions, settings, help
SUCCESS = 0x57F287  # a full score, a saved setup, an accepted review
DANGER = 0xED4245  # cancelled, refused
WARNING = 0xFAA61A  # something still needs attention
MUTED = 0x99AAB5  # closed, practice, fine print
GOLD = 0xF1C40F  # leaderboards
ORANGE = 0xE67E22  # waiting for an expert
