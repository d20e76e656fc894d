import { Link } from "@remix-run/react";
import { useT } from "~/i18n/use-t";
import { GoalBar } from "./goal-bar";

export interface PetitionCardData {
  slug: string;
  title: string;
  summary: string;
  goal: number;
  count: number;
  status: string;
}

export function PetitionCard({ petition }: { petition: PetitionCardData }) {
  const t = useT();
  return (
    <li className="card">
      <h3>
        <Link to={`/petitions/${petition.slug}`}>{petition.title}</Link>
      </h3>
      <p>{petition.summary}</p>
      <GoalBar count={petition.count} goal={petition.goal} />
      {petition.status === "open" ? (
        <Link className="button-primary" to={`/petitions/${petition.slug}`}>
          {t("petition.read")}
        </Link>
      ) : (
        <p className="hint">{t("petition.closed")}</p>
      )}
    </li>
  );
}
