"""Controlled vocabularies from the field's own data standard, HTCDS 2.0 (the Human
Trafficking Case Data Standard).

Reports and incidents speak HTCDS 2.0 so the hub can pool them with other organisations'
case data without a mapping table.
"""

from __future__ import annotations

from enum import StrEnum


class ExploitationType(StrEnum):
    """HTCDS 2.0 `vic_TypeOfExploitation` picklist values."""

    FORCED_LABOUR = "ForcedLabour"
    SEXUAL_EXPLOITATION = "SexualExploitation"
    CHILD_LABOUR = "ChildLabour"
    FORCED_MARRIAGE = "ForcedMarriage"
    SERVITUDE = "Servitude"
    FORCED_MILITARY_BY_NON_STATE_ACTORS = "ForcedMilitaryByNonStateActors"
    ORGAN_REMOVAL = "OrganRemoval"
    FORCED_BEGGING = "ForcedBegging"
    FORCED_ADOPTION = "ForcedAdoption"
    SURROGACY = "Surrogacy"
    OTHER = "Other"


class TraffickingEventType(StrEnum):
    """HTCDS 2.0 `hte_Type`: which stage of trafficking the reported event belongs to."""

    RECRUITMENT = "Recruitment"
    TRANSIT = "Transit"
    EXPLOITATION = "Exploitation"


class TraffickingStatus(StrEnum):
    """HTCDS 2.0 `vic_TraffickingStatus`. A community report can establish at most a
    possible victim; the other values are there for a moderator who learns more."""

    POSSIBLE_VICTIM = "PossibleVictimOfTrafficking"
    ACTUAL_VICTIM = "ActualVictimOfTrafficking"
    NOT_A_VICTIM = "NotAVictimOfTrafficking"


class ForcedLabourIndustry(StrEnum):
    """HTCDS 2.0 `vic_ForcedLabourIndustry`: the sections of ISIC rev. 4."""

    AGRICULTURE_FORESTRY_FISHING = "A_AgricultureForestryAndFishing"
    MINING_QUARRYING = "B_MiningAndQuarrying"
    MANUFACTURING = "C_Manufacturing"
    ENERGY_SUPPLY = "D_ElectricityGasSteamAndAirConditioningSupply"
    WATER_AND_WASTE = "E_WaterSupplySewerageWasteManagement"
    CONSTRUCTION = "F_Construction"
    TRADE_AND_VEHICLE_REPAIR = "G_WholesaleAndRetailTradeRepairOfMotorVehicles"
    TRANSPORT_AND_STORAGE = "H_TransportationAndStorage"
    ACCOMMODATION_AND_FOOD = "I_AccommodationAndFoodServiceActivities"
    INFORMATION_AND_COMMUNICATION = "J_InformationAndCommunication"
    FINANCE_AND_INSURANCE = "K_FinancialAndInsuranceActivities"
    REAL_ESTATE = "L_RealEstateActivities"
    PROFESSIONAL_SCIENTIFIC_TECHNICAL = "M_ProfessionalScientificAndTechnicalActivities"
    ADMINISTRATIVE_AND_SUPPORT = "N_AdministrativeAndSupportServiceActivities"
    PUBLIC_ADMINISTRATION_AND_DEFENCE = "O_PublicAdministrationAndDefence"
    EDUCATION = "P_Education"
    HEALTH_AND_SOCIAL_WORK = "Q_HumanHealthAndSocialWorkActivities"
    ARTS_AND_RECREATION = "R_ArtsEntertainmentAndRecreation"
    OTHER_SERVICES = "S_OtherServiceActivities"
    HOUSEHOLDS_AS_EMPLOYERS = "T_ActivitiesOfHouseholdsAsEmployers"
    EXTRATERRITORIAL_ORGANISATIONS = "U_ActivitiesOfExtraterritorialOrganizations"


class SexualExploitationType(StrEnum):
    """HTCDS 2.0 `vic_TypeOfSexExploitation`."""

    PROSTITUTION = "Prostitution"
    PORNOGRAPHY = "Pornography"
    REMOTE_INTERACTIVE_SERVICES = "RemoteInteractiveServices"
    PRIVATE_SEXUAL_SERVICES = "PrivateSexualServices"


class ControlMethod(StrEnum):
    """HTCDS 2.0 `vic_MethodsOfControl`."""

    PHYSICAL_THREATS = "PhysicalThreats"
    THREATS_LAW_ENFORCEMENT = "ThreatsLawEnforcement"
    THREATENS_CHILDREN_FAMILY = "ThreatensChildrenFamily"
    DEBT_BONDAGE = "DebtBondage"
    FALSE_PROMISES = "FalsePromises"
    PHYSICAL_ABUSE = "PhysicalAbuse"
    SEXUAL_ABUSE = "SexualAbuse"
    TAKES_EARNINGS = "TakesEarnings"
    RESTRICTS_FINANCIAL_ACCESS = "RestrictsFinancialAccess"
    RESTRICTS_MEDICAL_CARE = "RestrictsMedicalCare"
    WITHHOLDS_NECESSITIES = "WithholdsNecessities"
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse"
    PSYCHOACTIVE_SUBSTANCE = "PsychoactiveSubstance"
    EXCESSIVE_WORKING_HOURS = "ExcessiveWorkingHours"
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments"
    OTHER = "Other"


class RecruitmentMethod(StrEnum):
    """HTCDS 2.0 `vic_MethodOfRecruitment`."""

    AT_A_PLACE_OF_BUSINESS = "AtAPlaceOfBusiness"
    AT_AN_EDUCATIONAL_INSTITUTION = "AtAnEducationalInstitution"
    AT_WORK = "AtWork"
    ONLINE_SOCIAL_NETWORKS = "ThroughOnlineSocialNetworks"
    ONLINE_ADVERTISEMENT = "ThroughAnOnlineAdvertisement"
    TELEVISION_ADVERT = "ThroughATelevisionAdvert"
    NEWSPAPER_ADVERT = "ThroughANewspaperAdvert"
    FAMILY = "ThroughFamilyOrFamilyEvents"
    FRIENDS = "ThroughFriendsOrSocialEvents"
    OTHER = "Other"


class WebsiteOrApp(StrEnum):
    """HTCDS 2.0 `vic_RecruitmentWebsitesAndApps` and `vic_ExploitationWebsitesAndApps`."""

    FACEBOOK = "Facebook"
    INSTAGRAM = "Instagram"
    WHATSAPP = "WhatsApp"
    TELEGRAM = "Telegram"
    FACEBOOK_MESSENGER = "FacebookMessenger"
    VIBER = "Viber"
    SNAPCHAT = "SnapChat"
    LINE = "Line"
    FOUR_SALE = "4Sale"
    WECHAT = "WeChat"
    QQ = "QQ"
    QZONE = "QZone"
    TIKTOK = "TikTok"
    TWITTER = "Twitter"
    OTHER = "Other"


class RecruiterRelationship(StrEnum):
    """HTCDS 2.0 `vic_RelationshipToTrafficker` (its spelling kept, "Unaquainted", so the
    values match other organisations' data)."""

    FAMILIAL = "Familial"
    ACQUAINTED = "Acquainted"
    UNACQUAINTED = "Unaquainted"


class Gender(StrEnum):
    """CTDC `gender`: three values, as the pooled data has them (finer categories are too
    rare to publish safely)."""

    MAN = "Man"
    WOMAN = "Woman"
    TRANS_OR_NON_CONFORMING = "TransTransgenderNonConforming"


class AgeBand(StrEnum):
    """CTDC `ageBroad` bands."""

    AGE_0_8 = "0-8"
    AGE_9_17 = "9-17"
    AGE_18_20 = "18-20"
    AGE_21_23 = "21-23"
    AGE_24_26 = "24-26"
    AGE_27_29 = "27-29"
    AGE_30_38 = "30-38"
    AGE_39_47 = "39-47"
    AGE_48_PLUS = "48+"


class Indicator(StrEnum):
    """What a witness can see, after the UNODC and ILO lists of human trafficking
    indicators. Neither HTCDS nor CTDC has such a list: this is STOP's own vocabulary,
    kept short so that a moderator can tick it from a community report."""

    CANNOT_LEAVE = "CannotLeaveFreely"
    NO_IDENTITY_DOCUMENTS = "NoIdentityDocuments"
    SIGNS_OF_ABUSE = "SignsOfPhysicalAbuse"
    LIVES_AT_WORKPLACE = "LivesAtWorkplace"
    CONTROLLED_SPEECH = "SpeechControlledByOthers"
    FEARFUL_OR_ANXIOUS = "FearfulOrAnxious"
    UNPAID_OR_UNDERPAID = "UnpaidOrUnderpaid"
    MINOR_IN_COMMERCIAL_SEX = "MinorInCommercialSex"
    MOVED_BETWEEN_PLACES = "MovedBetweenPlaces"
    GUARDED_PREMISES = "GuardedPremises"
