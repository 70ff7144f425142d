"""Scanner wire formats, pure: HID key events to text (US keymap) and serial lines to codes.

No evdev or pyserial here: `KeyDecoder` takes (type, code, value) key events as evdev reports
them, and `LineFramer` takes bytes as a serial port delivers them.
"""

from __future__ import annotations

from collections.abc import Iterable

from protocols.codes import GS

from ..base import BadFrame

EV_KEY = 1  # evdev event type of key presses; other types (EV_SYN, EV_MSC) are ignored.
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

# Key codes from linux/input-event-codes.h.
KEY_ESC, KEY_TAB, KEY_ENTER, KEY_KPENTER = 1, 15, 28, 96
KEY_LEFTCTRL, KEY_RIGHTCTRL = 29, 97
KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 42, 54
KEY_LEFTALT, KEY_RIGHTALT = 56, 100
KEY_CAPSLOCK, KEY_NUMLOCK = 58, 69
KEY_RIGHTBRACE = 27

TERMINATORS = {"enter": KEY_ENTER, "kpenter": KEY_KPENTER, "tab": KEY_TAB}

# US layout: key code -> (unshifted, shifted).
US_KEYMAP: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"), 26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"),
    40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"), 51: (",", "<"), 52: (".", ">"),
    53: ("/", "?"), 57: (" ", " "),
    **{code: (c, c.upper()) for code, c in zip(range(16, 26), "qwertyuiop", strict=True)},
    **{code: (c, c.upper()) for code, c in zip(range(30, 39), "asdfghjkl", strict=True)},
    **{code: (c, c.upper()) for code, c in zip(range(44, 51), "zxcvbnm", strict=True)},
}  # fmt: skip
LETTERS = frozenset(code for code, (c, _) in US_KEYMAP.items() if c.isalpha())
# Keypad digits (with Num Lock on) and operators, which Num Lock does not change.
KEYPAD_DIGITS = {82: "0", 79: "1", 80: "2", 81: "3", 75: "4", 76: "5", 77: "6", 71: "7"}
KEYPAD_DIGITS |= {72: "8", 73: "9"}
KEYPAD_OTHER = {55: "*", 74: "-", 78: "+", 98: "/"}
KEY_KPDOT = 83
# Ctrl with these keys gives ASCII control characters: Ctrl+] is GS, the GS1 separator.
CTRL_KEYS = {26: "\x1b", 43: "\x1c", KEY_RIGHTBRACE: "\x1d"}
CTRL_SHIFTED = {7: "\x1e", 12: "\x1f"}  # Ctrl+^ (RS) and Ctrl+_ (US), used by ISO 15434.


class KeyDecoder:
    """Turns one scanner's key events into codes with a US keymap.

    Feed it every event with `feed(type, code, value, now_s)`; it returns the text of a code
    when a terminator key goes down, else None. A code whose keys stop for longer than
    `timeout_s` is dropped (counted in `dropped`), so a lost terminator never glues two scans
    together; `expire(now_s)` drops it during silence.
    """

    def __init__(
        self,
        *,
        terminators: Iterable[str] = ("enter", "kpenter"),
        timeout_s: float = 0.1,
        gs_substitute: str | None = None,
        max_chars: int = 4096,
    ) -> None:
        self.terminators = frozenset(TERMINATORS[name] for name in terminators)
        self.timeout_s = timeout_s
        self.gs_substitute = gs_substitute
        self.max_chars = max_chars
        self.dropped = 0
        self.numlock = True  # Scanners assume Num Lock on; a NUMLOCK press toggles it.
        self.capslock = False
        self._held: set[int] = set()
        self._chars: list[str] = []
        self._alt_digits = ""
        self._last_s: float | None = None

    @property
    def pending(self) -> bool:
        """True while a code is half read."""
        return bool(self._chars)

    def expire(self, now_s: float) -> bool:
        """Drop a half-read code after `timeout_s` of silence; True if one was dropped."""
        if self._chars and self._last_s is not None and now_s - self._last_s > self.timeout_s:
            self._chars.clear()
            self.dropped += 1
            return True
        return False

    def reset(self) -> None:
        """Forget held keys and drop a half-read code (counted), as after an unplug."""
        if self._chars:
            self._chars.clear()
            self.dropped += 1
        self._held.clear()
        self._alt_digits = ""

    def feed(self, type: int, code: int, value: int, now_s: float) -> str | None:
        """Take one input event; return a complete code's text when it ends here."""
        if type != EV_KEY:
            return None
        if value == KEY_UP:
            self._held.discard(code)
            if code in (KEY_LEFTALT, KEY_RIGHTALT) and self._alt_digits:
                digits, self._alt_digits = self._alt_digits, ""
                self._add(chr(int(digits) % 256), now_s)
            return None
        if value == KEY_REPEAT and code in self._held:
            return None  # A held modifier repeats; scanners do not repeat characters.
        self._held.add(code)
        self.expire(now_s)
        if code in self.terminators:
            text, self._chars = "".join(self._chars), []
            self._last_s = now_s
            return text or None
        if code == KEY_CAPSLOCK:
            self.capslock = not self.capslock
        elif code == KEY_NUMLOCK:
            self.numlock = not self.numlock
        elif self._alt and code in KEYPAD_DIGITS:
            self._alt_digits += KEYPAD_DIGITS[code]  # Alt+0029 on the keypad is GS.
        else:
            char = self._char(code)
            if char is not None:
                self._add(char, now_s)
        return None

    @property
    def _shift(self) -> bool:
        return bool(self._held & {KEY_LEFTSHIFT, KEY_RIGHTSHIFT})

    @property
    def _ctrl(self) -> bool:
        return bool(self._held & {KEY_LEFTCTRL, KEY_RIGHTCTRL})

    @property
    def _alt(self) -> bool:
        return bool(self._held & {KEY_LEFTALT, KEY_RIGHTALT})

    def _char(self, code: int) -> str | None:
        if self._ctrl:
            if code in LETTERS:
                return chr(ord(US_KEYMAP[code][0]) - ord("a") + 1)
            if self._shift:
                return CTRL_SHIFTED.get(code)
            return CTRL_KEYS.get(code)
        if code in KEYPAD_DIGITS:
            return KEYPAD_DIGITS[code] if self.numlock else None
        if code == KEY_KPDOT:
            return "." if self.numlock else None
        if code in KEYPAD_OTHER:
            return KEYPAD_OTHER[code]
        pair = US_KEYMAP.get(code)
        if pair is None:
            return None
        upper = self._shift != (self.capslock and code in LETTERS)
        return pair[1] if upper else pair[0]

    def _add(self, char: str, now_s: float) -> None:
        if self.gs_substitute is not None and char == self.gs_substitute:
            char = GS
        if len(self._chars) < self.max_chars:
            self._chars.append(char)
        self._last_s = now_s


def strip_prefix(text: str, prefixes: Iterable[str]) -> str:
    """`text` without the first of `prefixes` it starts with (a scanner's own header)."""
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}


class LineFramer:
    """Splits a serial scanner's bytes into codes, one per line ending in `suffix`.

    `feed(data)` returns the complete lines' texts and keeps a partial line for the next
    call. A line that is not printable ASCII, or longer than `max_bytes`, raises BadFrame
    after the good lines before it have been returned by an earlier call (see `feed`).
    """

    def __init__(self, suffix: str = "cr", *, max_bytes: int = 4096) -> None:
        self.suffix = SUFFIXES[suffix]
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._skipping = False  # After an over-long line, until its end.

    def feed(self, data: bytes) -> list[str | BadFrame]:
        """The codes completed by `data`, with a BadFrame in place of each bad line."""
        self._buffer += data
        out: list[str | BadFrame] = []
        while True:
            end = self._buffer.find(self.suffix)
            if end < 0:
                break
            line = bytes(self._buffer[:end])
            del self._buffer[: end + len(self.suffix)]
            if self._skipping:
                self._skipping = False
                continue
            if not line.strip(b"\r\n"):
                continue  # An empty line, or the other half of a CRLF when set to CR or LF.
            out.append(decode_line(line.strip(b"\r\n")))
        if len(self._buffer) > self.max_bytes:
            self._buffer.clear()
            self._skipping = True
            out.append(BadFrame(f"scanner line longer than {self.max_bytes} bytes; dropped"))
        return out


def decode_line(line: bytes) -> str | BadFrame:
    """One serial line's text: printable ASCII plus GS (0x1D), else a BadFrame."""
    if all(32 <= b < 127 or b == 0x1D for b in line):
        return line.decode("ascii")
    return BadFrame(f"scanner line {line[:40]!r} is not printable ASCII")
