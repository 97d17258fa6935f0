"""The fictional world of the sample dataset: what exists and how people behave.

Nothing here draws random numbers. This module only states the plans that
``aiq_nb.sample`` simulates: the account, its stores and products, how each channel
is priced and answered, the campaigns and flows, and the shares and delays that
drive the simulation. Every store, brand and persona is invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiq_nb.contract import EMAIL, MMS, PUSH, SMS, VOICE, WALLET_PASS

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

ACCOUNT_NAME = "Greenleaf Collective (synthetic)"
ACCOUNT_TIMEZONE = "America/Los_Angeles"
ACCOUNT_CURRENCY = "USD"
ACCOUNT_WINDOW_DAYS = 7

# values written to the enumerated columns
CAMPAIGN = "campaign"
FLOW = "flow"
ACTIVE = "active"
INACTIVE = "inactive"
DELIVERED = "delivered"
FAILED = "failed"
COMPLETED_ORDER = "completed"
CANCELLED_ORDER = "cancelled"
REFUNDED_ORDER = "refunded"
ENTERED = "entered"
ADVANCED = "advanced"
EXITED = "exited"
COMPLETED_FLOW = "completed"
SEND_MESSAGE = "send_message"
GIFT_POINTS = "gift_points"
ISSUE_DISCOUNT = "issue_discount"
WAIT = "wait"

# personas: who joined before the period, who is reachable where, who spends
SHARE_JOINED_BEFORE = 0.8
HISTORY_BEFORE_PERIOD_DAYS = 730
REACH_SHARES = {"phone": 0.96, "email": 0.78, "app": 0.32, "wallet": 0.27}
SPEND_RATE_SHAPE = 0.7
LOCATIONS = (
    "Greenleaf Downtown LA",
    "Greenleaf Venice",
    "Greenleaf Pasadena",
    "Greenleaf Long Beach",
)
LOCATION_WEIGHTS = (0.4, 0.25, 0.2, 0.15)
HOME_STORE_SHARE = 0.85
STORE_OPENS_H = 8
STORE_CLOSES_H = 22


@dataclass(frozen=True)
class ChannelModel:
    """How messages of one channel are sent, priced and answered.

    ``contact_flag`` names the persona attribute that makes the channel reachable;
    the shares are per delivered message (``click_share`` per opener).
    """

    contact_flag: str
    send_spread_s: int
    failure_share: float
    failure_reasons: tuple[str, ...]
    credits: float
    cost_per_credit: float
    carrier_fee: float | None
    open_share: float = 0.0
    click_share: float = 0.0
    unsubscribe_share: float = 0.0


CHANNEL_MODELS: dict[str, ChannelModel] = {
    SMS: ChannelModel(
        contact_flag="phone",
        send_spread_s=20 * MINUTE,
        failure_share=0.04,
        failure_reasons=("carrier_rejected", "invalid_number", "landline"),
        credits=1.0,
        cost_per_credit=0.0079,
        carrier_fee=0.003,
        open_share=0.34,
        click_share=0.32,
        unsubscribe_share=0.012,
    ),
    MMS: ChannelModel(
        contact_flag="phone",
        send_spread_s=30 * MINUTE,
        failure_share=0.05,
        failure_reasons=("carrier_rejected", "media_too_large", "invalid_number"),
        credits=3.0,
        cost_per_credit=0.0079,
        carrier_fee=0.005,
        open_share=0.42,
        click_share=0.30,
        unsubscribe_share=0.010,
    ),
    EMAIL: ChannelModel(
        contact_flag="email",
        send_spread_s=5 * MINUTE,
        failure_share=0.03,
        failure_reasons=("hard_bounce", "soft_bounce", "blocked_as_spam"),
        credits=0.1,
        cost_per_credit=0.01,
        carrier_fee=None,
        open_share=0.27,
        click_share=0.22,
        unsubscribe_share=0.008,
    ),
    PUSH: ChannelModel(
        contact_flag="app",
        send_spread_s=2 * MINUTE,
        failure_share=0.06,
        failure_reasons=("token_expired", "app_uninstalled"),
        credits=0.1,
        cost_per_credit=0.005,
        carrier_fee=None,
        open_share=0.18,
        click_share=0.35,
        unsubscribe_share=0.010,
    ),
    WALLET_PASS: ChannelModel(
        contact_flag="wallet",
        send_spread_s=10 * MINUTE,
        failure_share=0.02,
        failure_reasons=("pass_not_installed", "device_unreachable"),
        credits=0.5,
        cost_per_credit=0.01,
        carrier_fee=None,
        open_share=0.25,
        click_share=0.20,
    ),
    VOICE: ChannelModel(
        contact_flag="phone",
        send_spread_s=2 * HOUR,
        failure_share=0.07,
        failure_reasons=("number_disconnected", "invalid_number"),
        credits=4.0,
        cost_per_credit=0.0125,
        carrier_fee=0.01,
    ),
}
SMS_SEGMENTS = (1, 2)

# reactions to a delivered message
QUICK_REACTION_SHARE = 0.70
SLOW_REACTION_SHARE = 0.25
INBOX_VIEW_SHARE_UNREGULATED = 0.15
REOPEN_SHARE = 0.12
CLICK_WITHOUT_OPEN_SHARE = 0.04
EXTRA_CLICKS_MEAN = 0.5
MAX_CLICKS = 5
LANDING_PAGE_SHARE = 0.55
PASS_MUTED_SHARE = 0.04
PASS_REMOVED_SHARE = 0.025
ANSWER_SHARE = 0.45
LISTEN_TO_END_SHARE = 0.65
VOICEMAIL_SHARE = 0.5
TALK_MEDIAN_S = 35
MAX_TALK_S = 240
SHOP_URL = "https://shop.greenleaf.example.com"
LINK_PATHS = ("deals", "menu", "loyalty")

# purchases: each persona's own rhythm plus purchases prompted by messages
BASE_ORDERS_PER_MONTH = 0.35
GUEST_ORDER_SHARE = 0.006
BUY_AFTER_DELIVERY = 0.02
BUY_AFTER_OPEN = 0.03
BUY_AFTER_CLICK = 0.15
BUY_AFTER_ANSWER = 0.05
SAME_DAY_PURCHASE_SHARE = 0.5
SAME_WEEK_PURCHASE_SHARE = 0.35
REDEEM_SHARE = 0.4
CANCELLED_SHARE = 0.015
REFUNDED_SHARE = 0.01
ZERO_TOTAL_ORDERS = 6
NO_ITEM_SHARE = 0.03
EXTRA_ITEMS_MEAN = 0.9
MAX_ITEMS = 5
QUANTITIES = (1, 2, 3)
QUANTITY_WEIGHTS = (0.82, 0.14, 0.04)
NO_ITEM_TOTAL_MEDIAN = 40.0

# rows planted for the data-quality section
DUPLICATE_EVENTS = 8
ORPHAN_EVENTS = 5
FAILED_MESSAGE_EVENTS = 3
# opens stamped 1970-01-01, the zero timestamp of a broken export
EPOCH_EVENTS = 2
ORPHAN_ID_OFFSET = 500_000


@dataclass(frozen=True)
class Product:
    """One product of the catalogue; ``weight`` is its share of order lines."""

    name: str
    brand: str | None
    category: str
    price: float
    weight: float


CATALOG = (
    Product("Blue Dream 3.5g", "Golden Coast Farms", "flower", 35, 8),
    Product("Wedding Cake 3.5g", "Golden Coast Farms", "flower", 40, 6),
    Product("OG Kush 7g", "Emerald Peak", "flower", 60, 4),
    Product("Sour Diesel 3.5g", "Pacific Bloom", "flower", 38, 5),
    Product("Gelato 14g", "Emerald Peak", "flower", 110, 2),
    Product("House Shake 7g", None, "flower", 25, 3),
    Product("Pineapple Express Pre-Roll 1g", "Pacific Bloom", "pre-rolls", 12, 7),
    Product("Infused Pre-Roll 5-Pack", "Kindred Leaf", "pre-rolls", 45, 3),
    Product("House Pre-Roll 1g", None, "pre-rolls", 8, 5),
    Product("Live Resin Cart 1g - Jack Herer", "Sunset Valley", "vapes", 50, 5),
    Product("Disposable Vape 0.5g - Blue Razz", "Kindred Leaf", "vapes", 30, 6),
    Product("Distillate Cart 1g - Zkittlez", "Sunset Valley", "vapes", 40, 4),
    Product("Crème Brûlée Gummies 100mg", "Mellow Kitchen", "edibles", 20, 7),
    Product("Dark Chocolate Bar 100mg", "Mellow Kitchen", "edibles", 22, 4),
    Product("Sour Watermelon Chews 100mg", "Humboldt Hearth", "edibles", 18, 5),
    Product("THC Seltzer 10mg 4-Pack", "Humboldt Hearth", "edibles", 16, 3),
    Product("Live Rosin 1g", "Emerald Peak", "concentrates", 65, 2),
    Product("Badder 1g - Gelato", "Sunset Valley", "concentrates", 45, 2),
    Product("Diamonds & Sauce 1g", "Pacific Bloom", "concentrates", 55, 2),
    Product("CBD:THC Relief Balm 2oz", "@Home Botanicals", "topicals", 38, 2),
    Product("Cooling Muscle Roll-On", "@Home Botanicals", "topicals", 28, 1),
    Product("Rolling Papers", None, "accessories", 3, 3),
    Product("Loyalty Reward Pre-Roll 1g", None, "pre-rolls", 0, 0),
)
REWARD_PRODUCT = len(CATALOG) - 1


@dataclass(frozen=True)
class CampaignPlan:
    """One campaign: its channels, tags, window (None = account default), the
    engagements that qualify in strict mode (empty = default), the share of
    personas in its audience and, optionally, a fixed day of the month."""

    name: str
    channels: tuple[str, ...]
    tags: str = ""
    window_days: int | None = None
    engagements: str = ""
    reach: float = 0.5
    day: int | None = None


CAMPAIGN_PLANS = (
    CampaignPlan("Weekend Flower Deal", (SMS,), "promo;weekend;flower", reach=0.6),
    CampaignPlan("Pre-Roll Tuesday", (SMS,), "promo;pre-rolls", 1),
    CampaignPlan("New Vape Drop", (MMS,), "new-product;vapes", 3),
    CampaignPlan("Edibles Restock Alert", (PUSH,), "restock;edibles", reach=0.9),
    CampaignPlan(
        "Wallet Offer: $10 Off $50", (WALLET_PASS,), "promo;wallet", 14, reach=0.95
    ),
    CampaignPlan(
        "Points Expiring Reminder", (VOICE,), "loyalty;reminder", 3, "call_answered",
        reach=0.3,
    ),
    CampaignPlan(
        "Concentrate Clearance", (SMS, EMAIL), "promo;concentrates", None,
        "clicked;landing_page_viewed",
    ),
    CampaignPlan(
        "Terpene Guide", (EMAIL,), "education", 30, "clicked;landing_page_viewed",
        reach=0.7,
    ),
    CampaignPlan("Happy Hour Deals", (SMS,), "promo;weekday", 1),
    CampaignPlan("Budtender Favorites", (MMS,), "staff-picks", reach=0.55),
    CampaignPlan("Double Points Weekend", (SMS, PUSH), "loyalty;weekend", 3, reach=0.6),
    CampaignPlan(
        "Topicals Spotlight", (EMAIL,), "education;topicals", 14, "opened;clicked",
        reach=0.6,
    ),
    CampaignPlan(
        "Flash Sale: 4 Hours Only", (SMS,), "promo;flash", 1, "clicked", reach=0.7
    ),
    CampaignPlan("Store Event Invite", (VOICE,), "event", 14, reach=0.2),
    CampaignPlan("Month-End Clearance", (SMS,), "promo;clearance", reach=0.6, day=28),
    CampaignPlan("Fresh Drop Friday", (MMS,), "new-product;weekend;flower"),
    CampaignPlan("App Exclusive Gummies", (PUSH,), "promo;edibles;app", 3, reach=0.9),
    CampaignPlan(
        "Wallet Pass Holiday Refresh", (WALLET_PASS,), "wallet;holiday", 30,
        reach=0.95,
    ),
    # launched with an empty audience: personas were never loaded into it
    CampaignPlan("VIP Early Access", (SMS,), "vip", reach=0.0),
    CampaignPlan(
        "Customer Appreciation Day", (SMS, EMAIL), "promo;event", 14, reach=0.7
    ),
)
NEWSLETTER_NAME = "Monthly Newsletter – {month:%B %Y}"
NEWSLETTER_TAGS = "newsletter"
NEWSLETTER_WINDOW_DAYS = 3
NEWSLETTER_REACH = 0.8
NEWSLETTER_DAYS = (2, 6)
NEWSLETTER_HOUR = 10
LAUNCH_HOURS = (9, 18)
LAUNCH_MINUTES = (0, 15, 30, 45)
ACTIVE_RECENT_DAYS = 60
MAX_LINKS_PER_CAMPAIGN = 3


@dataclass(frozen=True)
class StepPlan:
    """One flow step: its action, channel (send steps), the hours a contact waits
    in it, the share of contacts who leave the flow there, and gifted points."""

    name: str
    action: str
    channel: str | None = None
    hours: float = 0.0
    exit_share: float = 0.0
    points: int | None = None


@dataclass(frozen=True)
class FlowPlan:
    """One flow: what makes contacts enter it, and its steps in order."""

    name: str
    trigger: str
    steps: tuple[StepPlan, ...]
    tags: str = ""
    window_days: int | None = None
    active: bool = True


SIGNUP = "signup"
BIRTHDAY = "birthday"
LAPSED = "lapsed"
TIER_UP = "tier_up"
WELCOME_STEPS = (
    StepPlan("Welcome text", SEND_MESSAGE, SMS, exit_share=0.02),
    StepPlan("Wait 2 days", WAIT, hours=48, exit_share=0.08),
    StepPlan("First-visit discount", ISSUE_DISCOUNT),
    StepPlan("Welcome email", SEND_MESSAGE, EMAIL, exit_share=0.03),
)
BIRTHDAY_STEPS = (
    StepPlan("Birthday points", GIFT_POINTS, points=100),
    StepPlan("Birthday MMS", SEND_MESSAGE, MMS),
    StepPlan("Wait 5 days", WAIT, hours=120, exit_share=0.05),
    StepPlan("Birthday reminder push", SEND_MESSAGE, PUSH),
)
WIN_BACK_STEPS = (
    StepPlan("We miss you email", SEND_MESSAGE, EMAIL),
    StepPlan("Wait 3 days", WAIT, hours=72, exit_share=0.2),
    StepPlan("Come-back discount", ISSUE_DISCOUNT),
    StepPlan("Discount reminder text", SEND_MESSAGE, SMS, exit_share=0.02),
)
TIER_UP_STEPS = (
    StepPlan("Tier-up bonus points", GIFT_POINTS, points=250),
    StepPlan("Wallet pass update", SEND_MESSAGE, WALLET_PASS),
    StepPlan("Wait 1 day", WAIT, hours=24, exit_share=0.04),
    StepPlan("VIP thank-you call", SEND_MESSAGE, VOICE),
)
FLOW_PLANS = (
    FlowPlan("Welcome Series", SIGNUP, WELCOME_STEPS, "loyalty;onboarding"),
    FlowPlan("Birthday Rewards", BIRTHDAY, BIRTHDAY_STEPS, "loyalty;birthday", 3),
    FlowPlan("Win-Back 60 Days", LAPSED, WIN_BACK_STEPS, "retention", 14),
    # deactivated before the end: contacts still in it then exit
    FlowPlan("VIP Tier Upgrade", TIER_UP, TIER_UP_STEPS, "loyalty;vip", active=False),
)
FLOW_LEAD_DAYS = 45
FLOW_LAUNCH_HOUR = 10
FLOW_DEACTIVATED_DAYS_BEFORE_END = 21
LAPSED_ENTRY_SHARE = 0.18
LAPSED_REENTRY_SHARE = 0.15
LAPSED_REENTRY_DAYS = (45, 100)
TIER_UP_ENTRY_SHARE = 0.12
BIRTHDAY_HOUR = 9
STEP_SECONDS = (2, 90)
