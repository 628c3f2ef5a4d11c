"""The HTML pages of the leads app: `leads` (list, detail, stage actions, export) and `imports` (spreadsheet
import)."""
