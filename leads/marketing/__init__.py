"""Marketing pages: campaigns, the monthly cost grid and the cost CSV import (services live in leads.services)."""
