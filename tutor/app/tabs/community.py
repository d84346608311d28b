"""Learner tab "Community": opt in as a study partner, see partners and what the class finds hardest."""

from __future__ import annotations

import gradio as gr

from tutor.services import community
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard
from tutor.errors import InvalidInputError


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown) -> None:
    """The tab and its events; it loads when opened."""
    with gr.Tab("Community", id="community") as community_tab:
        opt_in = gr.Checkbox(label="Show me to other learners as a study partner (display name and what we could "
                             "help each other with)", value=False, elem_id="community-opt-in")
        community_btn = gr.Button("Refresh", elem_id="refresh-community")
        partners_md = gr.Markdown(elem_id="partners")
        topics_md = gr.Markdown(elem_id="topics")

    @guard
    def load_community(course_id, request: gr.Request):
        user = user_of(request)
        if not course_id:
            raise InvalidInputError("Choose a course first.")
        joined = community.is_opted_in(ctx, user)
        if joined:
            found = community.partners(ctx, user, course_id)
            partners = "**Study partners**\n\n" + ("\n".join(
                f"- **{p['name']}** could help you with {', '.join(p['they_help_with'])}; you could help with "
                f"{', '.join(p['you_help_with'])}" for p in found) or "No complementary partner yet.")
        else:
            partners = "Tick the box above to see study partners (they will see you too)."
        hard = community.topics(ctx, user, course_id)
        topics = "**Suggested discussion topics** (what the class finds hardest)\n\n" + ("\n".join(
            f"- {t['title']}: class mastery {t['mean_mastery']:.0%}, {t['missed']:.0%} of answers missed" for t in hard)
            or "Not enough practice in the class yet.")
        return joined, partners, topics

    community_outputs = [opt_in, partners_md, topics_md]
    community_tab.select(load_community, [course], community_outputs)
    community_btn.click(load_community, [course], community_outputs)

    @guard
    def change_opt_in(on, course_id, request: gr.Request):
        gr.Info(community.set_opt_in(ctx, user_of(request), bool(on)))
        return load_community.__wrapped__(course_id, request)

    opt_in.input(change_opt_in, [opt_in, course], community_outputs)
