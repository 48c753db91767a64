"""A report's life, shared by the reporter's side (`intake`) and the moderators' side
(`moderation`): the table of which action moves a report from which state, and the
conversation between moderators and the reporter. It sits below both so that neither
has to import the other."""
