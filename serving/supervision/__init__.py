"""Supervision: warning lights, reminders (催办), the supervision pool (督办池) and repeat complaints."""
